import { useEffect, useId, useRef, useState } from 'react';

export interface SelectOption<T extends string> {
  value: T | '';
  label: string;
  /** Why this option cannot be chosen now (shown in its label). */
  disabledReason?: string;
}

/**
 * A native select that commits on close: arrowing through a closed select (which fires `change`
 * at every step in Chromium) only moves the pending value; Enter, a pointer choice or leaving the
 * field commits it — one history entry and one fetch per decision.
 */
export function Select<T extends string>(props: {
  label: string;
  testId: string;
  value: T | '';
  options: ReadonlyArray<SelectOption<T>>;
  onChange(value: T | ''): void;
  disabled?: boolean;
  compact?: boolean;
}) {
  const id = useId();
  const [pending, setPending] = useState<T | ''>(props.value);
  const keyboard = useRef(false);
  useEffect(() => setPending(props.value), [props.value]);
  const commit = (v: T | '') => {
    if (v !== props.value) props.onChange(v);
  };
  return (
    <div className={props.compact ? 'field field-compact' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testId}
        value={pending}
        disabled={props.disabled}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit(pending);
          } else keyboard.current = e.key.startsWith('Arrow') || e.key === 'Home' || e.key === 'End' || e.key.length === 1;
        }}
        onChange={(e) => {
          const v = e.target.value as T | '';
          setPending(v);
          if (!keyboard.current) commit(v);
          keyboard.current = false;
        }}
        onBlur={() => commit(pending)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value} disabled={!!o.disabledReason}>
            {o.disabledReason ? `${o.label} — ${o.disabledReason}` : o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
