import { cellValueProblem, type EmploymentStatus, SYMBOLS_BY_STATUS } from '@staff-sync/protocol';
import { type ReactNode, useId, useState } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellText, keyOf } from '../../schedule/cell-values.ts';
import { Dialog } from '../dialog.tsx';

/**
 * Enter on a cell: the symbols the member's status allows (SYMBOLS_BY_STATUS), clear, and a custom
 * text (1..20 characters, checked with the protocol's cellValueProblem before anything is sent).
 * On a range, the choice goes to every cell of it in one change.
 */
export function CellPicker(props: {
  open: boolean;
  title: string;
  status: EmploymentStatus | undefined;
  onPick: (value: string | null) => void;
  onClose: () => void;
}): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const titleId = useId();
  const inputId = useId();
  const errorId = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const status = props.status ?? '社員';
  const close = () => {
    setText('');
    setProblem(undefined);
    props.onClose();
  };
  const pick = (value: string | null) => {
    setText('');
    setProblem(undefined);
    props.onPick(value);
  };
  return (
    <Dialog open={props.open} onClose={close} labelledBy={titleId} className="cell-picker" testId="cell-picker">
      <h2 id={titleId}>{props.title}</h2>
      <div className="picker-options">
        {SYMBOLS_BY_STATUS[status].map((symbol) => (
          <button
            key={symbol || 'normal'}
            type="button"
            className="picker-option"
            data-testid="picker-option"
            data-value={symbol}
            onClick={() => pick(symbol)}
          >
            <span className="picker-symbol">{cellText(symbol, s.normalMark, s.lateMark)}</span>
            <span className="picker-name">{s.symbols[symbol]}</span>
            <kbd>{keyOf(symbol)?.toUpperCase()}</kbd>
          </button>
        ))}
        <button type="button" className="picker-option" data-testid="picker-clear" onClick={() => pick(null)}>
          <span className="picker-name">{s.clear}</span>
          <kbd>Del</kbd>
        </button>
      </div>
      <form
        className="picker-custom"
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = text.trim();
          const why = cellValueProblem(status, trimmed);
          if (why || trimmed.length === 0) {
            const { empty, tooLong, notAllowed } = s.customProblem;
            setProblem(trimmed.length === 0 ? empty : [...trimmed].length > 20 ? tooLong : notAllowed);
            return;
          }
          pick(trimmed);
        }}
      >
        <label htmlFor={inputId}>{s.customLabel}</label>
        <input
          id={inputId}
          data-testid="picker-custom"
          value={text}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : undefined}
          onChange={(event) => {
            setText(event.target.value);
            setProblem(undefined);
          }}
        />
        <button type="submit" className="primary" data-testid="picker-custom-apply">
          {s.customApply}
        </button>
        {problem ? (
          <p id={errorId} className="field-error" role="alert" data-testid="picker-custom-error">
            {problem}
          </p>
        ) : null}
      </form>
      <div className="actions">
        <button type="button" onClick={close} data-testid="picker-cancel">
          {messages.cancel}
        </button>
      </div>
    </Dialog>
  );
}
