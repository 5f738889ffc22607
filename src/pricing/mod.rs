//! Pure pricing maths: exact prices, the workload calculator and the value ranking.
//! No I/O here; everything takes plain data and returns plain data.

pub mod calculator;
pub mod compare;
pub mod difference;
pub mod discrepancies;
pub mod price_tags;
pub mod providers;
pub mod ranking;
pub mod selection;
pub mod sellers;
pub mod similar;
pub mod where_to_buy;
