import { type ReactNode, useEffect, useRef } from 'react';
import { topLayer } from './top-layer.ts';

export interface DialogProps {
  open: boolean;
  /** Escape, or the caller's own buttons. */
  onClose: () => void;
  labelledBy: string;
  describedBy?: string;
  role?: 'dialog' | 'alertdialog';
  className?: string;
  testId: string;
  children: ReactNode;
}

/**
 * A modal on the native <dialog>: the browser keeps focus inside, makes the page behind inert,
 * closes on Escape and returns focus to where it was. Dialogs opened later stack on top.
 */
export function Dialog(props: DialogProps): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const { open } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!open) return;
    if (!dialog.open) dialog.showModal();
    topLayer.opened(dialog);
    return () => {
      topLayer.closed(dialog);
      if (dialog.open) dialog.close();
    };
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={props.className}
      role={props.role}
      aria-labelledby={props.labelledBy}
      aria-describedby={props.describedBy}
      data-testid={props.testId}
      onCancel={(event) => {
        // Escape: let React state decide, so the dialog and the state never disagree.
        event.preventDefault();
        props.onClose();
      }}
    >
      {open ? props.children : null}
    </dialog>
  );
}
