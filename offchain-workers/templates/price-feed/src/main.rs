//! The stateful price-feed template (guest binary); the logic is in the library.
#![cfg_attr(target_arch = "riscv64", no_std, no_main)]

concerto_template_sdk::entry!(price_feed::PriceFeed::default());
