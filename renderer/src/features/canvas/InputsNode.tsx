/** The workflow inputs as one node: an output handle per input, wired into parameters as `${{ inputs.NAME }}`. */
import { memo } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import type { InputsNode } from '../../graph/types.js';
import { handleIds } from '../../graph/types.js';
import { useAppStore } from '../../store/context.js';

function InputsNodeView({ selected }: NodeProps<InputsNode>) {
  const inputs = useAppStore(useShallow((s) => s.inputs));
  const runInputs = useAppStore((s) => s.runInputs);
  return (
    <div className={`inputs-node${selected ? ' selected' : ''}`} data-testid="inputs-node">
      <div className="in-head">Workflow inputs</div>
      {inputs.map((i) => {
        const given = runInputs[i.name];
        const value = given !== undefined && given !== '' ? given : i.default;
        return (
          <div key={i.name} className="port port-out" title={i.description ?? `\${{ inputs.${i.name} }}`}>
            <span className="port-name">{i.name}</span>
            <span className="port-type">{i.type}</span>
            <span className={value === null ? 'in-value missing' : 'in-value'}>{value === null ? 'required' : value}</span>
            <Handle type="source" position={Position.Right} id={handleIds.input(i.name)} className={`handle-out type-${i.type}`} data-testid={`handle-input-${i.name}`} />
          </div>
        );
      })}
    </div>
  );
}

export const InputsNodeMemo = memo(InputsNodeView);
