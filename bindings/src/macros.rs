//! `mirror_enum!`: a fieldless UniFFI enum with `From` both ways to the core enum of the same variants.
//! Keeps the mirrors exhaustive: a variant added in core fails to compile here until it is mirrored.

macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $name:ident <=> $core:path {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                type Core = $core;
                match v {
                    $( Core::$variant => Self::$variant ),+
                }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                type Core = $core;
                match v {
                    $( $name::$variant => Core::$variant ),+
                }
            }
        }
    };
}

pub(crate) use mirror_enum;
