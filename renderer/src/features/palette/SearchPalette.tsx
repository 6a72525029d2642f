/** Ctrl+K: add a step by typing part of an entry point's name, or jump to a step on the canvas. */
import { useMemo, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/context.js';
import { useAddStepAtCenter } from '../../hooks/useAddStep.js';
import { basename } from '../../lib/paths.js';
import type { ProjectEntry } from '../../store/types.js';

interface Item {
  key: string;
  kind: 'add' | 'goto';
  label: string;
  detail: string;
  dir?: string;
  entryPoint?: string;
  step?: string;
}

/** Subsequence match with a score: consecutive and early matches rank higher. */
function score(query: string, text: string): number {
  if (!query) return 1;
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  const at = t.indexOf(q);
  if (at >= 0) return 100 - at;
  let ti = 0;
  let s = 0;
  for (const ch of q) {
    const i = t.indexOf(ch, ti);
    if (i < 0) return 0;
    s += i === ti ? 2 : 1;
    ti = i + 1;
  }
  return s;
}

function Palette() {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  // Where the pointer was last seen over the list. Only a pointer that really moved picks an item:
  // the browser also sends mouse events when the list changes under a pointer that stands still,
  // and those must not steal the keyboard's choice (typing reorders the items under it).
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const projects = useAppStore(useShallow((s) => s.projectOrder.map((d) => s.projects[d]).filter((p): p is ProjectEntry => !!p?.project)));
  const steps = useAppStore(useShallow((s) => s.nodes.filter((n) => n.type === 'step').map((n) => n.id)));
  const setPaletteOpen = useAppStore((s) => s.setPaletteOpen);
  const close = () => setPaletteOpen(false);
  const selectNodes = useAppStore((s) => s.selectNodes);
  const addAtCenter = useAddStepAtCenter();
  const flow = useReactFlow();

  const items = useMemo(() => {
    const all: Item[] = [];
    for (const p of projects) {
      const name = p.project?.name ?? basename(p.dir);
      for (const ep of p.project?.entryPoints.filter((e) => !e.implicit) ?? []) {
        all.push({ key: `a:${p.dir}:${ep.name}`, kind: 'add', label: ep.name, detail: `${name} · ${ep.parameters.length} params`, dir: p.dir, entryPoint: ep.name });
      }
      for (const sc of p.project?.scripts ?? []) all.push({ key: `a:${p.dir}:${sc}`, kind: 'add', label: sc, detail: `${name} · script`, dir: p.dir, entryPoint: sc });
    }
    for (const s of steps) all.push({ key: `g:${s}`, kind: 'goto', label: s, detail: 'go to step', step: s });
    const q = query.toLowerCase();
    return all
      .map((i, n) => ({ i, n, s: score(query, i.label) + (i.label.toLowerCase() === q ? 1000 : 0) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s || a.n - b.n)
      .slice(0, 50)
      .map((x) => x.i);
  }, [projects, steps, query]);

  const pick = (item: Item | undefined) => {
    if (!item) return;
    close();
    if (item.kind === 'add' && item.dir && item.entryPoint) addAtCenter(item.dir, item.entryPoint);
    else if (item.step) {
      selectNodes([item.step]);
      void flow.fitView({ nodes: [{ id: item.step }], duration: 200, maxZoom: 1.2 });
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="modal palette" role="dialog" aria-label="Add a step" data-testid="search-palette">
        <input
          autoFocus
          data-testid="search-input"
          placeholder={projects.length ? 'Add a step: type an entry point name…' : 'Open a project first to add its entry points'}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(items.length - 1, a + 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(0, a - 1));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              pick(items[active]);
            }
          }}
        />
        <ul className="palette-list">
          {items.length === 0 && <li className="muted pad">Nothing matches.</li>}
          {items.map((it, i) => (
            <li
              key={it.key}
              className={i === active ? 'palette-item active' : 'palette-item'}
              data-testid={`search-item-${it.label}`}
              onMouseMove={(e) => {
                const last = pointer.current;
                pointer.current = { x: e.clientX, y: e.clientY };
                if (last && (last.x !== e.clientX || last.y !== e.clientY)) setActive(i);
              }}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(it);
              }}
            >
              <span className={`pi-kind ${it.kind}`}>{it.kind === 'add' ? '+' : '→'}</span>
              <span className="pi-label">{it.label}</span>
              <span className="pi-detail">{it.detail}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export function SearchPalette() {
  const open = useAppStore((s) => s.paletteOpen);
  return open ? <Palette /> : null;
}
