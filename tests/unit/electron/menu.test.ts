/** The native menu template and the dialogs: commands, shortcuts, dev-only items, dialog options. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MenuCommand } from '../../../common/api/contract.js';
import { MENU_COMMANDS } from '../../../common/api/contract.js';
import { createDialogs, dialogOptions } from '../../../main/electron/dialogs.js';
import { COMMAND_ITEMS, buildMenuTemplate } from '../../../main/electron/menu.js';

type MenuItemConstructorOptions = ReturnType<typeof buildMenuTemplate>[number];

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function build(platform: NodeJS.Platform, dev: boolean) {
  const sent: MenuCommand[] = [];
  const other: string[] = [];
  const template = buildMenuTemplate({
    platform,
    dev,
    appName: 'Baton',
    actions: {
      command: (c) => sent.push(c),
      openDataFolder: () => other.push('data'),
      openMlflowDocs: () => other.push('docs'),
      about: () => other.push('about'),
    },
  });
  const items = flatten(template);
  const click = (id: string) => {
    const item = items.find((i) => i.id === id);
    assert.ok(item?.click, id);
    (item.click as () => void)();
  };
  return { template, items, sent, other, click };
}

describe('buildMenuTemplate', () => {
  test('File, Edit, View, Run, Help; every menu command has an item', () => {
    const { template, items } = build('linux', false);
    assert.deepEqual(
      template.map((m) => m.label),
      ['&File', '&Edit', '&View', '&Run', '&Help'],
    );
    assert.deepEqual(new Set(COMMAND_ITEMS.map((c) => c.command)), new Set(MENU_COMMANDS));
    for (const c of COMMAND_ITEMS) assert.ok(items.some((i) => i.id === c.id));
  });

  test('items send their command; the usual shortcuts', () => {
    const { items, sent, click } = build('linux', false);
    for (const c of COMMAND_ITEMS) click(c.id);
    assert.deepEqual(
      sent,
      COMMAND_ITEMS.map((c) => c.command),
    );
    const accel = (id: string) => items.find((i) => i.id === id)?.accelerator;
    assert.equal(accel('file.newWorkflow'), 'CmdOrCtrl+N');
    assert.equal(accel('file.openWorkflow'), 'CmdOrCtrl+O');
    assert.equal(accel('file.save'), 'CmdOrCtrl+S');
    assert.equal(accel('file.saveAs'), 'CmdOrCtrl+Shift+S');
    assert.equal(accel('edit.undo'), 'CmdOrCtrl+Z');
    assert.equal(accel('edit.redo'), 'CmdOrCtrl+Y');
    assert.equal(accel('run.start'), 'F5');
    const accelerators = items.map((i) => i.accelerator).filter(Boolean);
    assert.equal(new Set(accelerators).size, accelerators.length, 'no shortcut is used twice');
  });

  test('clipboard, zoom and fullscreen are native roles', () => {
    const roles = build('linux', false).items.map((i) => i.role).filter(Boolean);
    for (const r of ['cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'quit']) {
      assert.ok(roles.includes(r as never), r);
    }
  });

  test('reload and devtools exist only in development', () => {
    const roles = (dev: boolean) => build('linux', dev).items.map((i) => i.role);
    for (const r of ['reload', 'forceReload', 'toggleDevTools'] as const) {
      assert.ok(roles(true).includes(r), r);
      assert.ok(!roles(false).includes(r), r);
    }
  });

  test('macOS: app menu first, Window menu, Cmd+Shift+Z redo', () => {
    const { template, items } = build('darwin', false);
    assert.equal(template[0]?.label, 'Baton');
    assert.ok(template.some((m) => m.role === 'windowMenu'));
    assert.equal(items.find((i) => i.id === 'edit.redo')?.accelerator, 'Shift+Cmd+Z');
    assert.ok(!items.some((i) => i.id === 'help.about'));
  });

  test('Help items', () => {
    const { other, click } = build('win32', false);
    click('help.dataFolder');
    click('help.mlflowDocs');
    click('help.about');
    assert.deepEqual(other, ['data', 'docs', 'about']);
  });
});

describe('native dialogs', () => {
  test('options per kind', () => {
    assert.deepEqual(dialogOptions({ kind: 'openFolder' }), { title: 'Open Project Folder', properties: ['openDirectory', 'createDirectory'] });
    const save = dialogOptions({ kind: 'saveFile', title: 'Save As', defaultPath: '/w/flow.yaml' });
    assert.equal(save.title, 'Save As');
    assert.equal(save.defaultPath, '/w/flow.yaml');
    assert.deepEqual(save.filters?.[0]?.extensions, ['yaml', 'yml']);
    assert.deepEqual(dialogOptions({ kind: 'openFile' }).properties, ['openFile']);
  });

  test('a chosen path, or null when cancelled; the context reaches the dialog', async () => {
    const contexts: unknown[] = [];
    let cancel = false;
    const show = createDialogs<string>({
      showOpen: (_o, ctx) => (contexts.push(ctx), Promise.resolve({ canceled: cancel, filePaths: cancel ? [] : ['/p'] })),
      showSave: (_o, ctx) => (contexts.push(ctx), Promise.resolve(cancel ? { canceled: true } : { canceled: false, filePath: '/s.yaml' })),
    });
    assert.equal(await show({ kind: 'openFolder' }, 'w1'), '/p');
    assert.equal(await show({ kind: 'saveFile' }, 'w2'), '/s.yaml');
    cancel = true;
    assert.equal(await show({ kind: 'openFolder' }, 'w3'), null);
    assert.equal(await show({ kind: 'saveFile' }, 'w4'), null);
    assert.deepEqual(contexts, ['w1', 'w2', 'w3', 'w4']);
  });
});
