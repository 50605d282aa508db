//! SQL over resource tables (stub while being written).
