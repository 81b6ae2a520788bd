//! LEAF: small utilities every stage may use: calendar dates, HTML
//! escaping, hashing, absolute paths and stage timings. Nothing here knows
//! about a stage.

pub mod date;
pub mod escape;
pub mod hash;
pub mod paths;
pub mod timing;
