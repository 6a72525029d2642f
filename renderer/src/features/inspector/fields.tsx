/** Small form pieces shared by the inspector views. */
import { useState } from 'react';
import type { ReactNode } from 'react';

/** A text field that commits on Enter or blur (names: every keystroke would be a rename). */
export function CommitField({
  value,
  onCommit,
  testId,
  placeholder,
  className,
}: {
  value: string;
  /** Returns an error to show, or null when accepted. */
  onCommit: (v: string) => string | null;
  testId?: string;
  placeholder?: string;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (text === value) {
      setError(null);
      return;
    }
    const problem = onCommit(text);
    setError(problem);
  };
  return (
    <>
      <input
        className={`${className ?? ''}${error ? ' invalid' : ''}`}
        data-testid={testId}
        value={text}
        placeholder={placeholder}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setText(value);
            setError(null);
          }
        }}
      />
      {error && (
        <div className="field-error" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </div>
      )}
    </>
  );
}

export function Section({ title, children, right, testId }: { title: string; children: ReactNode; right?: ReactNode; testId?: string }) {
  return (
    <section className="insp-section" data-testid={testId}>
      <div className="insp-head">
        <span>{title}</span>
        {right}
      </div>
      {children}
    </section>
  );
}
