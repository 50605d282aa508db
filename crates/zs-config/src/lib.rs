//! One configuration: file < ZS_* environment < command-line flags, with a generated example.
