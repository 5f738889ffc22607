//! OpenRouter's public API as it arrives on the wire, read tolerantly: the catalogue
//! (`/models`), each model's provider endpoints (`/models/{id}/endpoints`) and the provider
//! list (`/providers`). Unknown fields are ignored and one bad record is skipped with its
//! reason, never sinking the rest.

pub mod catalogue;
pub mod endpoints;
pub mod providers;
pub mod records;
