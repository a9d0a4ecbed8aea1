//! The `DnsResolver` port over plain DNS: one TXT question to the system's resolvers (from
//! `/etc/resolv.conf`) over UDP, again over TCP when the answer was truncated.
//!
//! A few hundred lines instead of a resolver crate: we ask one kind of question and trust the
//! recursive resolver we are configured with (the VPC resolver in Lambda), so caching,
//! DNSSEC and search domains are not needed; names are asked fully qualified.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use crm_app::dns::{DnsError, DnsResolver};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const TYPE_TXT: u16 = 16;
const TYPE_CNAME: u16 = 5;
const TYPE_OPT: u16 = 41;
const CLASS_IN: u16 = 1;
/// The EDNS buffer size recommended since DNS flag day 2020: no IP fragmentation.
const EDNS_UDP_SIZE: u16 = 1232;

#[derive(Clone, Debug)]
pub struct UdpDns {
    servers: Vec<SocketAddr>,
    timeout: Duration,
}

impl UdpDns {
    /// The resolvers in `/etc/resolv.conf`.
    pub fn system() -> Self {
        Self::from_resolv_conf(Path::new("/etc/resolv.conf"))
    }

    /// The `nameserver` lines of a resolv.conf file; none (or no file) leaves the resolver
    /// without servers, and every lookup answers `Unavailable`.
    pub fn from_resolv_conf(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        Self::with_servers(parse_resolv_conf(&text), Duration::from_secs(3))
    }

    pub fn with_servers(servers: Vec<SocketAddr>, timeout: Duration) -> Self {
        Self { servers, timeout }
    }
}

/// Name servers of a resolv.conf text, on port 53.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next())?
        })
        // A link-local IPv6 address may carry a zone (`fe80::1%eth0`), which `IpAddr` refuses.
        .filter_map(|addr| addr.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

#[async_trait]
impl DnsResolver for UdpDns {
    async fn txt_records(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut last_error = "no name servers configured".to_owned();
        for server in &self.servers {
            match tokio::time::timeout(self.timeout, ask(*server, &name)).await {
                Ok(Ok(records)) => return Ok(records),
                Ok(Err(e)) => last_error = format!("{server}: {e}"),
                Err(_) => last_error = format!("{server}: no answer in {:?}", self.timeout),
            }
        }
        Err(DnsError::Unavailable(last_error))
    }
}

async fn ask(server: SocketAddr, name: &str) -> Result<Vec<String>, String> {
    let id = u16::from_be_bytes(
        uuid::Uuid::new_v4().as_bytes()[..2]
            .try_into()
            .unwrap_or_default(),
    );
    let query = build_query(id, name)?;
    let bind: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .map_err(|e| format!("{e}"))?;
    let socket = UdpSocket::bind(bind).await.map_err(|e| e.to_string())?;
    socket.connect(server).await.map_err(|e| e.to_string())?;
    socket.send(&query).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0_u8; 65_535];
    loop {
        let len = socket.recv(&mut buf).await.map_err(|e| e.to_string())?;
        // Not our answer (a late reply to an earlier question, or spoofing): keep waiting.
        let Ok(answer) = parse_answer(&buf[..len], id, name) else {
            continue;
        };
        return match answer {
            Answer::Truncated => ask_tcp(server, &query, id, name).await,
            Answer::Records(records) => Ok(records),
            Answer::Failed(rcode) => Err(format!("server answered with rcode {rcode}")),
        };
    }
}

async fn ask_tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    name: &str,
) -> Result<Vec<String>, String> {
    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|e| e.to_string())?;
    let len = u16::try_from(query.len()).map_err(|e| e.to_string())?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).await.map_err(|e| e.to_string())?;
    let reply_len = stream.read_u16().await.map_err(|e| e.to_string())?;
    let mut reply = vec![0_u8; usize::from(reply_len)];
    stream
        .read_exact(&mut reply)
        .await
        .map_err(|e| e.to_string())?;
    match parse_answer(&reply, id, name).map_err(str::to_owned)? {
        Answer::Records(records) => Ok(records),
        Answer::Truncated => Err("answer truncated even over TCP".into()),
        Answer::Failed(rcode) => Err(format!("server answered with rcode {rcode}")),
    }
}

/// A TXT question for `name` with recursion desired and an EDNS0 record.
fn build_query(id: u16, name: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00]); // RD
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 1]); // 1 question, 1 additional (OPT)
    write_name(&mut out, name)?;
    out.extend_from_slice(&TYPE_TXT.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    out.push(0); // OPT: root name
    out.extend_from_slice(&TYPE_OPT.to_be_bytes());
    out.extend_from_slice(&EDNS_UDP_SIZE.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // extended rcode, version, flags, rdlen
    Ok(out)
}

fn write_name(out: &mut Vec<u8>, name: &str) -> Result<(), String> {
    if name.len() > 253 {
        return Err("name too long".into());
    }
    for label in name.split('.') {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|len| (1..=63).contains(len))
            .ok_or_else(|| format!("bad label in {name:?}"))?;
        out.push(len);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Records(Vec<String>),
    Truncated,
    Failed(u8),
}

/// The TXT records answering our question `id` for `name`, following CNAMEs in the answer.
fn parse_answer(msg: &[u8], id: u16, name: &str) -> Result<Answer, &'static str> {
    let header = msg.get(..12).ok_or("short header")?;
    if u16::from_be_bytes([header[0], header[1]]) != id || header[2] & 0x80 == 0 {
        return Err("not an answer to our question");
    }
    if header[2] & 0x02 != 0 {
        return Ok(Answer::Truncated);
    }
    match header[3] & 0x0F {
        0 => {}
        3 => return Ok(Answer::Records(Vec::new())), // NXDOMAIN
        rcode => return Ok(Answer::Failed(rcode)),
    }
    let questions = u16::from_be_bytes([header[4], header[5]]);
    let answers = u16::from_be_bytes([header[6], header[7]]);
    let mut at = 12;
    for _ in 0..questions {
        at = read_name(msg, at)?.1 + 4;
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        let (owner, next) = read_name(msg, at)?;
        let fixed = msg.get(next..next + 10).ok_or("short record")?;
        let kind = u16::from_be_bytes([fixed[0], fixed[1]]);
        let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let data = next + 10;
        msg.get(data..data + len).ok_or("short record data")?;
        records.push((owner, kind, data, len));
        at = data + len;
    }
    // The names that stand for `name`: itself and the CNAME targets it leads to.
    let mut aliases = vec![name.to_owned()];
    let mut grew = true;
    while grew {
        grew = false;
        for (owner, kind, data, _) in &records {
            if *kind == TYPE_CNAME && aliases.contains(owner) {
                let target = read_name(msg, *data)?.0;
                if !aliases.contains(&target) && aliases.len() < 16 {
                    aliases.push(target);
                    grew = true;
                }
            }
        }
    }
    let mut txt = Vec::new();
    for (owner, kind, data, len) in records {
        if kind == TYPE_TXT && aliases.contains(&owner) {
            txt.push(txt_strings(&msg[data..data + len])?);
        }
    }
    Ok(Answer::Records(txt))
}

/// A TXT record's character-strings, joined.
fn txt_strings(mut data: &[u8]) -> Result<String, &'static str> {
    let mut text = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let piece = rest.get(..usize::from(len)).ok_or("short TXT string")?;
        text.extend_from_slice(piece);
        data = &rest[usize::from(len)..];
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// The (lower-cased, dotted) name at `at` and the offset after it, following compression
/// pointers (at most 32, so a pointer loop cannot hang us).
fn read_name(msg: &[u8], mut at: usize) -> Result<(String, usize), &'static str> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..32 {
        let len = *msg.get(at).ok_or("name runs past the message")?;
        match len {
            0 => {
                let end = end.unwrap_or(at + 1);
                return Ok((labels.join("."), end));
            }
            l if l & 0xC0 == 0xC0 => {
                let low = *msg.get(at + 1).ok_or("short pointer")?;
                end.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([l & 0x3F, low]));
            }
            l if l <= 63 => {
                let label = msg
                    .get(at + 1..at + 1 + usize::from(l))
                    .ok_or("short label")?;
                labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
                at += 1 + usize::from(l);
            }
            _ => return Err("bad label length"),
        }
    }
    Err("too many compression pointers")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer to `query` with `records` (owner offset 12 = the question's name).
    fn reply(query: &[u8], flags: [u8; 2], records: &[Vec<u8>]) -> Vec<u8> {
        let question_end = read_name(query, 12).unwrap().1 + 4;
        let mut out = query[..2].to_vec();
        out.extend_from_slice(&flags);
        out.extend_from_slice(&[0, 1]);
        out.extend_from_slice(&u16::try_from(records.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&query[12..question_end]);
        for record in records {
            out.extend_from_slice(record);
        }
        out
    }

    fn record(owner: &[u8], kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = owner.to_vec();
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&300_u32.to_be_bytes());
        out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    fn txt(pieces: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in pieces {
            out.push(u8::try_from(piece.len()).unwrap());
            out.extend_from_slice(piece.as_bytes());
        }
        out
    }

    fn encoded(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_name(&mut out, name).unwrap();
        out
    }

    const POINTER_TO_QUESTION: [u8; 2] = [0xC0, 12];

    /// A fake name server on loopback answering each question with `answer(query)`.
    async fn fake_server(answer: fn(&[u8]) -> Vec<u8>) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0_u8; 512];
            while let Ok((len, from)) = socket.recv_from(&mut buf).await {
                let _ = socket.send_to(&answer(&buf[..len]), from).await;
            }
        });
        addr
    }

    fn resolver(server: SocketAddr) -> UdpDns {
        UdpDns::with_servers(vec![server], Duration::from_secs(2))
    }

    #[tokio::test]
    async fn txt_records_with_several_strings_and_a_cname() {
        let server = fake_server(|query| {
            let target = encoded("verify.example.net");
            let cname = record(&POINTER_TO_QUESTION, TYPE_CNAME, &target);
            reply(
                query,
                [0x81, 0x80],
                &[
                    cname,
                    record(&target, TYPE_TXT, &txt(&["crm-verify=", "abc123"])),
                    record(&encoded("other.example"), TYPE_TXT, &txt(&["ignored"])),
                    record(&POINTER_TO_QUESTION, TYPE_TXT, &txt(&["v=spf1 -all"])),
                ],
            )
        })
        .await;
        let records = resolver(server)
            .txt_records("_crm-verify.Tenant.Example.")
            .await
            .unwrap();
        assert_eq!(records, ["crm-verify=abc123", "v=spf1 -all"]);
    }

    #[tokio::test]
    async fn missing_names_are_empty_and_failures_are_errors() {
        let nxdomain = fake_server(|query| reply(query, [0x81, 0x83], &[])).await;
        assert_eq!(
            resolver(nxdomain).txt_records("nope.example").await,
            Ok(vec![])
        );
        let servfail = fake_server(|query| reply(query, [0x81, 0x82], &[])).await;
        assert!(matches!(
            resolver(servfail).txt_records("x.example").await,
            Err(DnsError::Unavailable(reason)) if reason.contains("rcode 2")
        ));
        let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let quiet = UdpDns::with_servers(
            vec![silent.local_addr().unwrap()],
            Duration::from_millis(200),
        );
        assert!(quiet.txt_records("x.example").await.is_err());
        let none = UdpDns::with_servers(vec![], Duration::from_millis(200));
        assert!(none.txt_records("x.example").await.is_err());
    }

    #[tokio::test]
    async fn answers_with_another_id_are_ignored() {
        let server = fake_server(|query| {
            let mut forged = reply(query, [0x81, 0x80], &[]);
            forged[0] ^= 0xFF;
            forged
        })
        .await;
        let dns = UdpDns::with_servers(vec![server], Duration::from_millis(300));
        assert!(dns.txt_records("x.example").await.is_err());
    }

    #[tokio::test]
    async fn a_truncated_answer_is_asked_again_over_tcp() {
        // The same port number for UDP and TCP: a free UDP port may be taken for TCP by
        // another process, so try a few.
        let mut pair = None;
        for _ in 0..50 {
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = udp.local_addr().unwrap();
            if let Ok(tcp) = tokio::net::TcpListener::bind(addr).await {
                pair = Some((udp, addr, tcp));
                break;
            }
        }
        let (udp, addr, tcp) = pair.expect("a port free for both UDP and TCP");
        tokio::spawn(async move {
            let mut buf = [0_u8; 512];
            while let Ok((len, from)) = udp.recv_from(&mut buf).await {
                let _ = udp
                    .send_to(&reply(&buf[..len], [0x83, 0x80], &[]), from)
                    .await;
            }
        });
        tokio::spawn(async move {
            let (mut stream, _) = tcp.accept().await.unwrap();
            let len = stream.read_u16().await.unwrap();
            let mut query = vec![0; usize::from(len)];
            stream.read_exact(&mut query).await.unwrap();
            let long = "x".repeat(200);
            let answer = reply(
                &query,
                [0x81, 0x80],
                &[record(
                    &POINTER_TO_QUESTION,
                    TYPE_TXT,
                    &txt(&[&long, &long]),
                )],
            );
            let mut framed = u16::try_from(answer.len()).unwrap().to_be_bytes().to_vec();
            framed.extend_from_slice(&answer);
            stream.write_all(&framed).await.unwrap();
        });
        let records = resolver(addr).txt_records("big.example").await.unwrap();
        assert_eq!(records, ["x".repeat(400)]);
    }

    #[test]
    fn resolv_conf_and_malformed_messages() {
        let servers = parse_resolv_conf(
            "# comment\nnameserver 10.0.0.2\nsearch example\nnameserver ::1\nnameserver fe80::1%eth0\noptions ndots:5\n",
        );
        assert_eq!(
            servers,
            vec![
                "10.0.0.2:53".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
        let query = build_query(7, "a.example").unwrap();
        assert!(
            parse_answer(&query, 7, "a.example").is_err(),
            "a question is no answer"
        );
        assert!(parse_answer(&[0; 5], 7, "a.example").is_err());
        // A pointer to itself must not hang.
        let mut looped = reply(&query, [0x81, 0x80], &[]);
        looped[5] = 1; // claim one answer
        looped[7] = 1;
        looped.extend_from_slice(&[0xC0, u8::try_from(looped.len()).unwrap()]);
        assert!(parse_answer(&looped, 7, "a.example").is_err());
        assert!(build_query(1, &"a".repeat(64)).is_err());
    }
}
