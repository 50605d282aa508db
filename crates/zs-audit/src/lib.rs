//! The audit sink: every stage records what happened through it (append-only, group-committed).
