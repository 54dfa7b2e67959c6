//! Each width reads its own table's columns, in the entity's order.

use entity::{customer, invoice, invoice_sale};
use sea_orm::{EntityTrait, IdenStatic, Iterable};

use super::FromColumns;

fn order<E: EntityTrait>() -> Vec<&'static str> {
    E::Column::iter().map(|c| c.as_str()).collect()
}

/// An assessed read answers every field a brief one does.
fn within(narrow: &[&str], wide: &[&str]) -> bool {
    narrow.iter().all(|c| wide.contains(c))
}

#[test]
fn every_width_reads_columns_of_its_table_and_assess_holds_brief() {
    for (brief, assess, all) in [
        (
            invoice::Model::BRIEF,
            invoice::Model::ASSESS,
            invoice::Model::COLUMNS,
        ),
        (
            customer::Model::BRIEF,
            customer::Model::ASSESS,
            customer::Model::COLUMNS,
        ),
        (
            invoice_sale::Model::BRIEF,
            invoice_sale::Model::ASSESS,
            invoice_sale::Model::COLUMNS,
        ),
    ] {
        assert!(within(brief, assess), "{brief:?} in {assess:?}");
        assert!(within(assess, all), "{assess:?} in {all:?}");
    }
    assert!(invoice::Model::ASSESS.len() < invoice::Model::COLUMNS.len());
}

#[test]
fn fields_are_read_in_the_entities_column_order() {
    assert_eq!(invoice::Model::COLUMNS, order::<invoice::Entity>());
    assert_eq!(customer::Model::COLUMNS, order::<customer::Entity>());
    assert_eq!(
        invoice_sale::Model::COLUMNS,
        order::<invoice_sale::Entity>()
    );
}
