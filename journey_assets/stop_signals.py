"""Make Ctrl-C and SIGTERM stop a long-running command, whatever its parent left behind.

A process inherits two things that can silence them: an ignored SIGINT (a background job of a
non-interactive shell, `nohup`, some CI runners), in which case Python never installs its
KeyboardInterrupt handler; and a blocked signal mask (the mask of the thread that forked, kept across
exec), in which case no handler runs at all. Services call `take_stop_signals()` first.
"""

from __future__ import annotations

import signal


def take_stop_signals() -> None:
    """Unblock SIGINT and SIGTERM and give SIGINT Python's KeyboardInterrupt if it was ignored."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
