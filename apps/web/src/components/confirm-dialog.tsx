import { type ReactNode, useId } from 'react';
import { useMessages } from '../i18n/i18n.tsx';
import { Dialog } from './dialog.tsx';

/** Asks before something that cannot be undone from the screen (deleting a member). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}): ReactNode {
  const messages = useMessages();
  const titleId = useId();
  const textId = useId();
  return (
    <Dialog
      open={props.open}
      onClose={props.onCancel}
      labelledBy={titleId}
      describedBy={textId}
      role="alertdialog"
      className="confirm"
      testId="confirm-dialog"
    >
      <h2 id={titleId}>{props.title}</h2>
      <p id={textId} data-testid="confirm-text">
        {props.text}
      </p>
      <div className="actions">
        {/* Cancel first and focused first: Enter on an accidental open does not delete. */}
        <button type="button" onClick={props.onCancel} data-testid="confirm-cancel">
          {messages.cancel}
        </button>
        <button type="button" className="danger" onClick={props.onConfirm} data-testid="confirm-ok">
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
