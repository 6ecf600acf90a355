//! A strict RLP decoder (Ethereum Yellow Paper, appendix B): canonical forms only —
//! single bytes < 0x80 are never wrapped, long forms only for lengths ≥ 56, no leading
//! zero bytes in lengths — and every item must span exactly its bytes.

use alloc::vec::Vec;

/// Why RLP could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlpError {
    /// The input ended inside an item.
    Truncated,
    /// A non-canonical encoding.
    NonCanonical,
    /// Bytes left after the item.
    TrailingBytes,
    /// A string was expected, a list found (or the reverse).
    UnexpectedKind,
    /// An integer longer than the target type or with leading zeros.
    BadInteger,
}

/// One decoded item: a byte string or a list (its payload, still encoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list; the payload is the concatenation of the encoded elements.
    List(&'a [u8]),
}

/// Splits one item off the front of `data`: returns the item and the rest.
pub fn split(data: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (item, _, rest) = split_raw(data)?;
    Ok((item, rest))
}

/// Like [`split`], also returning the item's full encoding.
pub fn split_raw(data: &[u8]) -> Result<(Item<'_>, &[u8], &[u8]), RlpError> {
    let &first = data.first().ok_or(RlpError::Truncated)?;
    let (is_list, header, len) = match first {
        0x00..=0x7f => return Ok((Item::Bytes(&data[..1]), &data[..1], &data[1..])),
        0x80..=0xb7 => (false, 1, usize::from(first - 0x80)),
        0xb8..=0xbf => {
            let n = usize::from(first - 0xb7);
            (false, 1 + n, long_length(&data[1..], n)?)
        }
        0xc0..=0xf7 => (true, 1, usize::from(first - 0xc0)),
        0xf8..=0xff => {
            let n = usize::from(first - 0xf7);
            (true, 1 + n, long_length(&data[1..], n)?)
        }
    };
    let end = header.checked_add(len).ok_or(RlpError::Truncated)?;
    if data.len() < end {
        return Err(RlpError::Truncated);
    }
    let payload = &data[header..end];
    if !is_list && len == 1 && payload[0] < 0x80 {
        return Err(RlpError::NonCanonical);
    }
    let item = if is_list {
        Item::List(payload)
    } else {
        Item::Bytes(payload)
    };
    Ok((item, &data[..end], &data[end..]))
}

fn long_length(data: &[u8], n: usize) -> Result<usize, RlpError> {
    if data.len() < n {
        return Err(RlpError::Truncated);
    }
    if n > core::mem::size_of::<usize>() || data[0] == 0 {
        return Err(RlpError::NonCanonical);
    }
    let len = data[..n]
        .iter()
        .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
    if len < 56 {
        return Err(RlpError::NonCanonical);
    }
    Ok(len)
}

/// Decodes exactly one item spanning all of `data`.
pub fn decode(data: &[u8]) -> Result<Item<'_>, RlpError> {
    let (item, rest) = split(data)?;
    if !rest.is_empty() {
        return Err(RlpError::TrailingBytes);
    }
    Ok(item)
}

/// Decodes a list spanning all of `data` into its elements.
pub fn decode_list(data: &[u8]) -> Result<Vec<Item<'_>>, RlpError> {
    match decode(data)? {
        Item::List(payload) => list_items(payload),
        Item::Bytes(_) => Err(RlpError::UnexpectedKind),
    }
}

/// The elements of a list payload.
pub fn list_items(mut payload: &[u8]) -> Result<Vec<Item<'_>>, RlpError> {
    let mut items = Vec::new();
    while !payload.is_empty() {
        let (item, rest) = split(payload)?;
        items.push(item);
        payload = rest;
    }
    Ok(items)
}

impl<'a> Item<'a> {
    /// The byte string, or an error for a list.
    pub fn bytes(self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::Bytes(b) => Ok(b),
            Item::List(_) => Err(RlpError::UnexpectedKind),
        }
    }

    /// The list payload, or an error for a string.
    pub fn list(self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::List(p) => Ok(p),
            Item::Bytes(_) => Err(RlpError::UnexpectedKind),
        }
    }

    /// A canonical unsigned integer (big-endian, no leading zeros) of at most 8 bytes.
    pub fn u64(self) -> Result<u64, RlpError> {
        let b = self.bytes()?;
        if b.len() > 8 || b.first() == Some(&0) {
            return Err(RlpError::BadInteger);
        }
        Ok(b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
    }

    /// A byte string of exactly `N` bytes.
    pub fn fixed<const N: usize>(self) -> Result<[u8; N], RlpError> {
        let b = self.bytes()?;
        b.try_into().map_err(|_| RlpError::UnexpectedKind)
    }
}

/// RLP of an unsigned integer (big-endian, no leading zeros; 0 is the empty string).
pub fn encode_u64(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let be = &bytes[skip..];
    match be {
        [] => alloc::vec![0x80],
        [b] if *b < 0x80 => alloc::vec![*b],
        _ => {
            let mut out = alloc::vec![0x80 + be.len() as u8];
            out.extend_from_slice(be);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(decode(&[0x05]).unwrap(), Item::Bytes(&[5]));
        assert_eq!(decode(&[0x80]).unwrap(), Item::Bytes(&[]));
        assert_eq!(decode(&[0x81, 0x05]), Err(RlpError::NonCanonical));
        assert_eq!(decode(&[0x81, 0x80]).unwrap(), Item::Bytes(&[0x80]));
        assert_eq!(
            decode(&[0xb8, 0x05, 1, 2, 3, 4, 5]),
            Err(RlpError::NonCanonical)
        );
        assert_eq!(decode(&[0x82, 1]), Err(RlpError::Truncated));
        assert_eq!(decode(&[0x01, 0x02]), Err(RlpError::TrailingBytes));
        let list = decode_list(&[0xc3, 0x01, 0x81, 0x90]).unwrap();
        assert_eq!(list, alloc::vec![Item::Bytes(&[1]), Item::Bytes(&[0x90])]);
        assert_eq!(Item::Bytes(&[0, 1]).u64(), Err(RlpError::BadInteger));
        assert_eq!(encode_u64(0), [0x80]);
        assert_eq!(encode_u64(127), [0x7f]);
        assert_eq!(encode_u64(128), [0x81, 0x80]);
        assert_eq!(encode_u64(0x1234), [0x82, 0x12, 0x34]);
    }
}
