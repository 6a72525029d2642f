import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gitInfo, projectFingerprint } from '../../../main/engine/projects/index.js';
import { commitAll, expectAppErrorAsync, gitSync, hasGit, initRepo, project, tmpDir } from './helpers.js';

const skip = hasGit() ? false : 'git is not installed';

/** A repository with a project in proj/ and another folder next to it. */
function repoWithProject(): { root: string; proj: string; commit: string } {
  const root = project({
    'proj/MLproject': 'name: p\n',
    'proj/train.py': 'print(1)\n',
    'proj/.gitignore': 'ignored.txt\n',
    'other/readme.md': 'hi\n',
  });
  initRepo(root);
  const commit = commitAll(root);
  return { root, proj: path.join(root, 'proj'), commit };
}

describe('gitInfo', { skip }, () => {
  test('null outside a git repository', async () => {
    assert.equal(await gitInfo(project({ 'a.txt': 'x' })), null);
  });

  test('null in a repository without commits', async () => {
    const dir = project({ 'a.txt': 'x' });
    initRepo(dir);
    assert.equal(await gitInfo(dir), null);
  });

  test('null when git is not installed', async () => {
    const { proj } = repoWithProject();
    const saved = process.env.PATH;
    process.env.PATH = tmpDir();
    try {
      assert.equal(await gitInfo(proj), null);
    } finally {
      process.env.PATH = saved;
    }
  });

  test('commit, branch, no remote, clean', async () => {
    const { proj, commit } = repoWithProject();
    assert.deepEqual(await gitInfo(proj), { commit, branch: 'main', repoUrl: null, dirty: false });
  });

  test('remote URL: origin when present, else the first remote', async () => {
    const { root, proj } = repoWithProject();
    gitSync(root, 'remote', 'add', 'upstream', 'https://example.com/up.git');
    assert.equal((await gitInfo(proj))?.repoUrl, 'https://example.com/up.git');
    gitSync(root, 'remote', 'add', 'origin', 'git@example.com:me/repo.git');
    assert.equal((await gitInfo(proj))?.repoUrl, 'git@example.com:me/repo.git');
  });

  test('branch is null on a detached HEAD', async () => {
    const { root, proj, commit } = repoWithProject();
    gitSync(root, 'checkout', '-q', '--detach', commit);
    const info = await gitInfo(proj);
    assert.equal(info?.branch, null);
    assert.equal(info?.commit, commit);
  });

  test('dirty for modified or untracked files in the project folder only', async () => {
    const { root, proj } = repoWithProject();
    fs.writeFileSync(path.join(root, 'other', 'readme.md'), 'changed\n');
    fs.writeFileSync(path.join(proj, 'ignored.txt'), 'ignored\n');
    assert.equal(
      (await gitInfo(proj))?.dirty,
      false,
      'changes outside the folder or ignored files do not count',
    );
    fs.writeFileSync(path.join(proj, 'new.py'), '\n');
    assert.equal((await gitInfo(proj))?.dirty, true, 'untracked file');
    fs.rmSync(path.join(proj, 'new.py'));
    fs.appendFileSync(path.join(proj, 'train.py'), 'print(2)\n');
    assert.equal((await gitInfo(proj))?.dirty, true, 'modified file');
  });
});

describe('projectFingerprint in git', { skip }, () => {
  test('clean: the commit', async () => {
    const { proj, commit } = repoWithProject();
    const a = await projectFingerprint(proj);
    assert.equal(a.kind, 'git');
    assert.equal(a.description, `git ${commit.slice(0, 7)}`);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(await projectFingerprint(proj), a);
  });

  test('uncommitted changes change the hash, and reverting them restores it', async () => {
    const { proj, commit } = repoWithProject();
    const clean = await projectFingerprint(proj);
    const file = path.join(proj, 'train.py');
    fs.writeFileSync(file, 'print(2)\n');
    const dirty = await projectFingerprint(proj);
    assert.notEqual(dirty.hash, clean.hash);
    assert.equal(dirty.description, `git ${commit.slice(0, 7)} + uncommitted changes (1 file)`);
    fs.writeFileSync(file, 'print(3)\n');
    const dirty2 = await projectFingerprint(proj);
    assert.notEqual(dirty2.hash, dirty.hash, 'different uncommitted content, different hash');
    gitSync(proj, 'add', 'train.py');
    assert.equal((await projectFingerprint(proj)).hash, dirty2.hash, 'staging does not change the content');
    fs.writeFileSync(file, 'print(1)\n');
    gitSync(proj, 'add', 'train.py');
    assert.equal((await projectFingerprint(proj)).hash, clean.hash);
  });

  test('untracked files count, ignored files and changes outside the folder do not', async () => {
    const { root, proj } = repoWithProject();
    const clean = await projectFingerprint(proj);
    fs.writeFileSync(path.join(proj, 'ignored.txt'), 'x');
    fs.writeFileSync(path.join(root, 'other', 'new.md'), 'x');
    fs.writeFileSync(path.join(root, 'other', 'readme.md'), 'changed');
    assert.equal((await projectFingerprint(proj)).hash, clean.hash);
    fs.mkdirSync(path.join(proj, 'data'));
    fs.writeFileSync(path.join(proj, 'data', 'x.csv'), '1\n');
    const withNew = await projectFingerprint(proj);
    assert.notEqual(withNew.hash, clean.hash);
    fs.writeFileSync(path.join(proj, 'data', 'x.csv'), '2\n');
    assert.notEqual(
      (await projectFingerprint(proj)).hash,
      withNew.hash,
      'untracked content is hashed, not just the name',
    );
  });

  test('a deleted tracked file counts', async () => {
    const { proj } = repoWithProject();
    const clean = await projectFingerprint(proj);
    fs.rmSync(path.join(proj, 'train.py'));
    const after = await projectFingerprint(proj);
    assert.notEqual(after.hash, clean.hash);
    assert.match(after.description, /uncommitted changes \(1 file\)/);
  });

  test('a new commit changes the fingerprint', async () => {
    const { root, proj } = repoWithProject();
    const before = await projectFingerprint(proj);
    fs.writeFileSync(path.join(proj, 'train.py'), 'print(9)\n');
    commitAll(root, 'second');
    const after = await projectFingerprint(proj);
    assert.notEqual(after.hash, before.hash);
    assert.equal(after.kind, 'git');
  });

  test('a folder with no tracked files inside a repository is hashed by its files', async () => {
    const { root } = repoWithProject();
    fs.mkdirSync(path.join(root, 'fresh'));
    fs.writeFileSync(path.join(root, 'fresh', 'a.py'), 'x');
    const fp = await projectFingerprint(path.join(root, 'fresh'));
    assert.equal(fp.kind, 'files');
  });
});

describe('projectFingerprint outside git', () => {
  test('sha256 over relative paths and contents, independent of the folder location', async () => {
    const files = { MLproject: 'name: p\n', 'src/train.py': 'print(1)\n' };
    const a = await projectFingerprint(project(files));
    const b = await projectFingerprint(project(files));
    assert.equal(a.kind, 'files');
    assert.equal(a.hash, b.hash);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.description, `files sha256 ${a.hash.slice(0, 12)}… (2 files)`);
  });

  test('content and names matter', async () => {
    const base = await projectFingerprint(project({ 'a.py': 'x' }));
    assert.notEqual((await projectFingerprint(project({ 'a.py': 'y' }))).hash, base.hash);
    assert.notEqual((await projectFingerprint(project({ 'b.py': 'x' }))).hash, base.hash);
    assert.notEqual((await projectFingerprint(project({ 'a.py': 'x', 'empty.txt': '' }))).hash, base.hash);
  });

  test('.git, node_modules, __pycache__, .venv and mlruns are skipped', async () => {
    const base = await projectFingerprint(project({ 'a.py': 'x' }));
    const noisy = project({
      'a.py': 'x',
      'node_modules/m/index.js': '1',
      '__pycache__/a.pyc': '2',
      '.venv/bin/python': '3',
      'mlruns/0/meta.yaml': '4',
      'sub/__pycache__/b.pyc': '5',
    });
    assert.equal((await projectFingerprint(noisy)).hash, base.hash);
  });

  test('symlinked folders are not followed', async () => {
    const target = project({ 'big.bin': 'one' });
    const dir = project({ 'a.py': 'x' });
    fs.symlinkSync(target, path.join(dir, 'linked'), 'dir');
    const before = await projectFingerprint(dir);
    fs.writeFileSync(path.join(target, 'big.bin'), 'two');
    fs.writeFileSync(path.join(target, 'more.bin'), 'three');
    assert.equal((await projectFingerprint(dir)).hash, before.hash);
  });

  test('large files are hashed (streamed)', async () => {
    const dir = project({});
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    fs.writeFileSync(path.join(dir, 'big.bin'), big);
    const a = await projectFingerprint(dir);
    big[big.length - 1] = 8;
    fs.writeFileSync(path.join(dir, 'big.bin'), big);
    assert.notEqual((await projectFingerprint(dir)).hash, a.hash);
  });

  test('a missing folder is MLPROJECT_NOT_FOUND', async () => {
    await expectAppErrorAsync(() => projectFingerprint(path.join(tmpDir(), 'gone')), 'MLPROJECT_NOT_FOUND');
  });
});
