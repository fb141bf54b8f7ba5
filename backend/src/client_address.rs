//! Which address a request came from, for rate limits and bans.

use std::net::{IpAddr, Ipv4Addr};

/// The peer's address, or behind a trusted proxy the last hop it recorded in `X-Forwarded-For`
/// (earlier entries are whatever the client claimed). Without a peer (an in-process caller)
/// the unspecified address: such callers share one budget.
pub fn client_address(
    headers: &http::HeaderMap,
    peer: Option<IpAddr>,
    trusted_proxy: bool,
) -> IpAddr {
    let forwarded = || {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|hop| hop.trim().parse().ok())
    };
    trusted_proxy
        .then(forwarded)
        .flatten()
        .or(peer)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = http::HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        let peer = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(client_address(&headers, Some(peer), false), peer);
        assert_eq!(
            client_address(&headers, Some(peer), true),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(&http::HeaderMap::new(), None, true),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
    }
}
