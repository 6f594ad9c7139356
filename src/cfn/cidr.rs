//! `Fn::Cidr`: consecutive subnets of an IPv4 or IPv6 block.

use std::net::IpAddr;

/// The first `count` subnets of `block` with `host_bits` host bits each, as
/// CloudFormation computes them; `None` for an invalid request.
pub fn subnets(block: &str, count: u32, host_bits: u32) -> Option<Vec<String>> {
    let (addr, prefix) = block.trim().split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let prefix: u32 = prefix.parse().ok()?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    if prefix > width || host_bits > width - prefix || !(1..=256).contains(&count) {
        return None;
    }
    let subnet_prefix = width - host_bits;
    let available = 1u128
        .checked_shl(subnet_prefix - prefix)
        .unwrap_or(u128::MAX);
    if u128::from(count) > available {
        return None;
    }
    let base = match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    let network = base & mask(prefix, width);
    let step = 1u128 << host_bits;
    Some(
        (0..u128::from(count))
            .map(|i| {
                let start = network + i * step;
                let text = match addr {
                    IpAddr::V4(_) => std::net::Ipv4Addr::from(start as u32).to_string(),
                    IpAddr::V6(_) => std::net::Ipv6Addr::from(start).to_string(),
                };
                format!("{text}/{subnet_prefix}")
            })
            .collect(),
    )
}

fn mask(prefix: u32, width: u32) -> u128 {
    let all = if width == 32 {
        u128::from(u32::MAX)
    } else {
        u128::MAX
    };
    if prefix == 0 {
        0
    } else {
        all & !(all >> prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::subnets;

    #[test]
    fn ipv4_and_ipv6_blocks() {
        assert_eq!(
            subnets("192.168.0.0/24", 6, 5).unwrap(),
            [
                "192.168.0.0/27",
                "192.168.0.32/27",
                "192.168.0.64/27",
                "192.168.0.96/27",
                "192.168.0.128/27",
                "192.168.0.160/27"
            ]
        );
        assert_eq!(
            subnets("2001:db8::/56", 2, 64).unwrap(),
            ["2001:db8::/64", "2001:db8:0:1::/64"]
        );
        assert_eq!(subnets("10.0.0.0/24", 9, 5), None);
        assert_eq!(subnets("10.0.0.0/24", 1, 9), None);
        assert_eq!(subnets("nonsense", 1, 1), None);
    }
}
