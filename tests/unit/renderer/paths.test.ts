import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, dirname, isAbsolutePath, joinPath, normalizePath, projectDirOf, relativePath, resolvePath } from '../../../renderer/src/lib/paths.js';

describe('renderer paths', () => {
  test("projectDirOf: a step's project folder from the workflow file", () => {
    assert.equal(projectDirOf('/w/flows/train.yaml', '../multistep'), '/w/multistep');
    assert.equal(projectDirOf('/w/train.yaml', './multistep/'), '/w/multistep');
    assert.equal(projectDirOf('/w/train.yaml', '/abs/proj'), '/abs/proj');
    assert.equal(projectDirOf(null, '/abs/proj'), '/abs/proj');
    assert.equal(projectDirOf(null, 'rel'), null, 'an unsaved file: unknown');
    assert.equal(projectDirOf('/w/train.yaml', '  '), null, 'no project named');
  });

  test('POSIX', () => {
    assert.equal(normalizePath('/a/./b/../c/'), '/a/c');
    assert.equal(joinPath('/a/b', '../c', './d'), '/a/c/d');
    assert.equal(dirname('/a/b/wf.yaml'), '/a/b');
    assert.equal(dirname('/wf.yaml'), '/');
    assert.equal(basename('/a/b/wf.yaml'), 'wf.yaml');
    assert.equal(resolvePath('/w', './multistep'), '/w/multistep');
    assert.equal(resolvePath('/w', '/abs'), '/abs');
    assert.equal(relativePath('/w', '/w/multistep'), './multistep');
    assert.equal(relativePath('/w/flows', '/w/multistep'), '../multistep');
    assert.equal(relativePath('/w', '/w'), '.');
    assert.ok(isAbsolutePath('/x'));
    assert.ok(!isAbsolutePath('./x'));
  });

  test('Windows', () => {
    assert.ok(isAbsolutePath('C:\\data'));
    assert.equal(normalizePath('C:\\a\\b\\..\\c'), 'C:\\a\\c');
    assert.equal(dirname('C:\\a\\wf.yaml'), 'C:\\a');
    assert.equal(resolvePath('C:\\w', './proj'), 'C:\\w\\proj');
    assert.equal(relativePath('C:\\w', 'c:\\w\\proj'), './proj');
    assert.equal(relativePath('C:\\w', 'D:\\proj'), 'D:\\proj');
  });
});
