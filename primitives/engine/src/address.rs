//! Which network addresses aichain's off-chain parts fetch from on someone else's word.
//!
//! Dataset URLs come from whoever submits a task and are fetched by every solver service the
//! task reaches; solver endpoints come from each solver and are fetched by every validator's
//! offchain worker. Either could point into the fetching operator's own network (a loopback
//! admin port, a private service, the cloud metadata address `169.254.169.254`): unless the
//! operator allows it (dev setups do), only globally routable addresses are fetched from. The
//! solver service applies [`is_public_ip`] to every address a name resolves to; an offchain
//! worker cannot resolve names, so it applies [`is_public_host`] to the URL's host.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a globally routable unicast address: not loopback, private (RFC 1918, unique
/// local), link-local, shared (CGNAT), unspecified, broadcast, multicast, documentation,
/// benchmarking or reserved. IPv4 carried in IPv6 (mapped, compatible, NAT64, 6to4) is judged
/// as that IPv4 address.
pub fn is_public_ip(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => is_public_v4(v4),
		IpAddr::V6(v6) => is_public_v6(v6),
	}
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
	let [a, b, c, _] = ip.octets();
	!(ip.is_unspecified() ||
		ip.is_loopback() ||
		ip.is_private() ||
		ip.is_link_local() ||
		ip.is_broadcast() ||
		ip.is_documentation() ||
		ip.is_multicast() ||
		a == 0 || // "this network"
		(a == 100 && (64..128).contains(&b)) || // shared address space (CGNAT)
		(a == 192 && b == 0 && c == 0) || // IETF protocol assignments
		(a == 198 && (b == 18 || b == 19)) || // benchmarking
		a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
	if let Some(v4) = ip.to_ipv4_mapped() {
		return is_public_v4(v4);
	}
	let s = ip.segments();
	let embedded = |hi: u16, lo: u16| {
		let [a, b] = hi.to_be_bytes();
		let [c, d] = lo.to_be_bytes();
		Ipv4Addr::new(a, b, c, d)
	};
	// IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address in the
	// last 32 bits, 6to4 (2002:a.b.c.d::) in bits 16 to 48.
	if s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
		return is_public_v4(embedded(s[6], s[7]));
	}
	if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
		return is_public_v4(embedded(s[6], s[7]));
	}
	if s[0] == 0x2002 {
		return is_public_v4(embedded(s[1], s[2]));
	}
	// SIIT (::ffff:0:a.b.c.d) carries one too; local-use NAT64 (64:ff9b:1::/48) is private.
	if s[..6] == [0, 0, 0, 0, 0xffff, 0] {
		return is_public_v4(embedded(s[6], s[7]));
	}
	if s[..3] == [0x64, 0xff9b, 1] {
		return false;
	}
	!(ip.is_unspecified() ||
		ip.is_loopback() ||
		ip.is_multicast() ||
		(s[0] & 0xfe00) == 0xfc00 || // unique local
		(s[0] & 0xffc0) == 0xfe80 || // link-local
		(s[0] & 0xffc0) == 0xfec0 || // site-local (deprecated)
		(s[0] == 0x2001 && s[1] == 0x0db8) || // documentation
		(s[0] == 0x2001 && s[1] < 0x0200)) // IETF protocol assignments (Teredo among them)
}

/// The host of an `http://` or `https://` URL, without user info, port or IPv6 brackets.
pub fn url_host(url: &str) -> Option<&str> {
	let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
	let authority = rest.split(['/', '?', '#']).next()?;
	let host_port = authority.rsplit('@').next()?;
	let host = match host_port.strip_prefix('[') {
		Some(v6) => v6.split(']').next()?,
		None => host_port.split(':').next()?,
	};
	(!host.is_empty()).then_some(host)
}

/// Whether `host` (a URL's host, as [`url_host`] gives it) may be fetched from without the
/// operator's leave, judged without resolving it: a public IP address, or a fully qualified DNS
/// name of letters, digits, hyphens and dots that names nothing local. Refused besides private
/// addresses:
/// - anything with `:` that is not a plain IPv6 address (zone ids such as `::1%1`, which
///   resolvers accept);
/// - a name whose last label is numeric or hexadecimal (`2130706433`, `0x7f.1`, `127.1`):
///   `getaddrinfo` reads it as an address, so it counts only as the canonical dotted quad it
///   must then be;
/// - single-label names (`localhost`, `_gateway`, `metadata`, the machine's own name), other
///   characters, and names under `localhost`, `local`, `localdomain`, `internal`, `lan`, `home`
///   or `arpa`.
///
/// A public-looking name that resolves to a private address is not caught here.
pub fn is_public_host(host: &str) -> bool {
	if let Ok(ip) = host.parse::<IpAddr>() {
		return is_public_ip(ip);
	}
	let name = host.strip_suffix('.').unwrap_or(host);
	let labels_ok = name.split('.').all(|label| {
		!label.is_empty()
			&& label.len() <= 63
			&& label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
	});
	if !labels_ok || !name.contains('.') {
		return false;
	}
	let last = name.rsplit('.').next().unwrap_or_default();
	let numeric = last.bytes().all(|b| b.is_ascii_digit())
		|| last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
	!numeric
		&& !["localhost", "local", "localdomain", "internal", "lan", "home", "arpa"]
			.iter()
			.any(|tld| last.eq_ignore_ascii_case(tld))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn private_and_special_addresses_are_not_public() {
		for private in [
			"127.0.0.1",
			"127.1.2.3",
			"10.0.0.5",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"0.1.2.3",
			"255.255.255.255",
			"224.0.0.1",
			"192.0.2.1",
			"198.18.0.1",
			"240.0.0.1",
			"::1",
			"::",
			"::ffff:127.0.0.1",
			"::ffff:10.1.1.1",
			"::ffff:0:127.0.0.1",
			"64:ff9b:1::a01:101",
			"::127.0.0.1",
			"64:ff9b::a9fe:a9fe",
			"2002:7f00:1::",
			"2002:c0a8:101::",
			"fc00::1",
			"fd12:3456::1",
			"fe80::1",
			"2001:db8::1",
			"ff02::1",
		] {
			assert!(!is_public_ip(private.parse().unwrap()), "{private} counted as public");
		}
		for public in [
			"1.1.1.1",
			"8.8.8.8",
			"151.101.1.1",
			"2606:4700::1111",
			"::ffff:1.1.1.1",
			"2002:101:101::",
		] {
			assert!(is_public_ip(public.parse().unwrap()), "{public} counted as private");
		}
	}

	#[test]
	fn hosts_of_urls_are_judged_without_resolving() {
		let judge = |url: &str| url_host(url).is_some_and(is_public_host);
		for refused in [
			"http://127.0.0.1:8420",
			"http://localhost:8420/x",
			"http://LOCALHOST.",
			"http://solver.localhost/",
			"https://[::1]:443/",
			"http://user@10.0.0.1/",
			"http://169.254.169.254/latest",
			"http://2130706433/",
			"http://0x7f000001/",
			"http://127.1/",
			"http://0177.0.0.1/",
			"http://[::ffff:192.168.0.1]/",
			"http://[::1%1]:9420/",
			"http://[::ffff:169.254.169.254%25eth0]/",
			"http://localhost.localdomain/",
			"http://ip6-localhost/",
			"http://_gateway/",
			"http://metadata/",
			"http://metadata.google.internal/",
			"http://printer.local/",
			"http://router.home/",
			"http://1.0.0.127.in-addr.arpa/",
			"http://under_score.example.com/",
			"http:///path",
			"ftp://example.com/",
		] {
			assert!(!judge(refused), "{refused} allowed");
		}
		for allowed in [
			"https://solver.example.com",
			"http://solver.example.com:8420/base",
			"http://1.1.1.1:8420",
			"https://[2606:4700::1111]:8443/",
			"http://user:pw@gpu-7.solvers.ai/",
			"http://a1b2.example/",
		] {
			assert!(judge(allowed), "{allowed} refused");
		}
		assert_eq!(url_host("http://user@[::1]:80/x"), Some("::1"));
		assert_eq!(url_host("https://example.com?x=@1"), Some("example.com"));
	}
}
