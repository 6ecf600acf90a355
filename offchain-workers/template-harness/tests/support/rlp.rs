//! Host-side RLP (Yellow Paper appendix B), written independently of the template's
//! decoder so the tests cross-check it: a tree decoder and an encoder.

/// An RLP value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rlp {
    /// A byte string.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Rlp>),
}

impl Rlp {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Rlp::Bytes(b) => b,
            Rlp::List(_) => panic!("expected bytes"),
        }
    }
    pub fn list(&self) -> &[Rlp] {
        match self {
            Rlp::List(l) => l,
            Rlp::Bytes(_) => panic!("expected a list"),
        }
    }
    pub fn uint(&self) -> u64 {
        self.bytes().iter().fold(0, |a, &b| a << 8 | u64::from(b))
    }
}

fn length_prefix(offset: u8, len: usize) -> Vec<u8> {
    if len < 56 {
        vec![offset + len as u8]
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        let mut out = vec![offset + 55 + (8 - skip) as u8];
        out.extend_from_slice(&be[skip..]);
        out
    }
}

/// RLP of a byte string.
pub fn encode_bytes(b: &[u8]) -> Vec<u8> {
    if b.len() == 1 && b[0] < 0x80 {
        return b.to_vec();
    }
    let mut out = length_prefix(0x80, b.len());
    out.extend_from_slice(b);
    out
}

/// RLP of a list whose elements are already encoded.
pub fn encode_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = length_prefix(0xc0, payload.len());
    out.extend(payload);
    out
}

/// RLP of an unsigned integer.
pub fn encode_uint(v: u64) -> Vec<u8> {
    let be = v.to_be_bytes();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    encode_bytes(&be[skip..])
}

/// Re-encodes a tree.
pub fn encode(r: &Rlp) -> Vec<u8> {
    match r {
        Rlp::Bytes(b) => encode_bytes(b),
        Rlp::List(l) => encode_list(&l.iter().map(encode).collect::<Vec<_>>()),
    }
}

fn split(data: &[u8]) -> (Rlp, &[u8]) {
    let first = data[0];
    let (list, header, len) = match first {
        0..=0x7f => return (Rlp::Bytes(vec![first]), &data[1..]),
        0x80..=0xb7 => (false, 1, (first - 0x80) as usize),
        0xb8..=0xbf => {
            let n = (first - 0xb7) as usize;
            (
                false,
                1 + n,
                data[1..1 + n]
                    .iter()
                    .fold(0usize, |a, &b| a << 8 | b as usize),
            )
        }
        0xc0..=0xf7 => (true, 1, (first - 0xc0) as usize),
        _ => {
            let n = (first - 0xf7) as usize;
            (
                true,
                1 + n,
                data[1..1 + n]
                    .iter()
                    .fold(0usize, |a, &b| a << 8 | b as usize),
            )
        }
    };
    let payload = &data[header..header + len];
    let rest = &data[header + len..];
    if !list {
        return (Rlp::Bytes(payload.to_vec()), rest);
    }
    let mut items = Vec::new();
    let mut p = payload;
    while !p.is_empty() {
        let (item, r) = split(p);
        items.push(item);
        p = r;
    }
    (Rlp::List(items), rest)
}

/// Decodes one item spanning all of `data`.
pub fn decode(data: &[u8]) -> Rlp {
    let (item, rest) = split(data);
    assert!(rest.is_empty(), "trailing bytes");
    item
}
