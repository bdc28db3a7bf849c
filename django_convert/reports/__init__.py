"""Reports: read-only views over the app's own data (experiment figures, the doctor's
checklist). They never write and never send."""
