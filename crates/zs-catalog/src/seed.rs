//! Demo catalogue (filled in below).
