//! Unit tests of the referee against the mock runtime, with the real engine.
