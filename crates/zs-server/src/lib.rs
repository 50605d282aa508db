//! Composition root: open stores, migrate, mount API and portal, start workers, shut down.
