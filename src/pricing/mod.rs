//! Every pricing decision: the workload calculator, every seller of every listing indexed
//! beside the catalogue (`market`), which seller bills a workload (`sellers`), the reviewed
//! table of published batch discounts (`batch_discounts`),
//! every price tag of a model and where the routed and the maker's prices disagree
//! (`price_tags`, `discrepancies`), the one relative-difference rule (`difference`), where to
//! buy and its filters, the comparison, similar models and the value ranking. No I/O here;
//! everything takes plain data (the catalogue included) and returns plain data.

pub mod batch_discounts;
pub mod calculator;
pub mod compare;
pub mod difference;
pub mod discrepancies;
pub mod market;
pub mod price_tags;
pub mod providers;
pub mod ranking;
pub mod selection;
pub mod sellers;
pub mod similar;
pub mod usage;
pub mod where_to_buy;
