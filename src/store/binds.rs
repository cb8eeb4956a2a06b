//! Query text built from the conditions in use, with its values bound in order. A condition
//! written as `($1 = '' or column = $1)` keeps one text but no index can serve it; a text that
//! holds only the conditions in use can.

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Values bound in order; each call returns the placeholder (`$n`) for its value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Binds {
    pub(crate) values: Vec<Bind>,
}

impl Binds {
    pub(crate) fn text(&mut self, v: &str) -> String {
        self.values.push(Bind::Text(v.to_owned()));
        format!("${}", self.values.len())
    }

    pub(crate) fn int(&mut self, v: i64) -> String {
        self.values.push(Bind::Int(v));
        format!("${}", self.values.len())
    }
}

/// Binds every value of a [`Binds`] to a query (`query`, `query_as` or `query_scalar`), in order.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds.values {
            q = match b {
                $crate::store::binds::Bind::Text(t) => q.bind(t),
                $crate::store::binds::Bind::Int(i) => q.bind(i),
            };
        }
        q
    }};
}
pub(crate) use bind_all;
