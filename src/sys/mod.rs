//! The OS layer (being written).
