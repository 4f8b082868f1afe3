"""Named errors. Row problems are returned as data; these are raised only when input is unusable."""


class LofteError(Exception):
    """Base class: the command line turns any of these into a message and a non-zero exit."""


class PromiseFileError(LofteError):
    """The promise file is missing, not YAML, or does not describe a valid promise."""


class PeriodError(LofteError):
    """A reporting period such as '2019-T2' is malformed or outside the promise year."""


class InboxError(LofteError):
    """The inbox folder is missing or not laid out as INBOX/<source>/."""


class UnreadableFileError(LofteError):
    """A dropped file cannot be read as a spreadsheet at all; the reason is staff-facing Swedish."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReaderUnavailable(UnreadableFileError):
    """The reader child was killed, ran out of memory or out of time, and again on a second try:
    a failure of the machine, not a verdict on the file. Never cached; read again next run."""


class ReportBusyError(LofteError):
    """Another run is writing the same report right now."""


class SharedStateUnavailable(LofteError, OSError):
    """The shared database (LOFTE_DATABASE_URL) cannot be reached: a failure worth a retry."""


class PublicationRefused(LofteError):
    """Not published: a draft, an unknown version, or one changed since it was built."""
