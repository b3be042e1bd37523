using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Webhooks;

/// <summary>A callback that may not be sent: its address is private, loopback, link-local or otherwise internal.</summary>
public sealed class WebhookBlockedException(string message) : Exception(message);

/// <summary>
/// The SSRF guard. It runs when the connection is made, on the addresses the name resolves to then
/// (so a name that later resolves elsewhere gains nothing), refuses every internal range unless the
/// allowlist names the host or a CIDR holding the address, and connects only to an address it checked.
/// </summary>
public sealed class WebhookAddressGuard
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("100::/64"), IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>
    /// IPv6 forms that carry an IPv4 address in their last 32 bits: judged by that address. NAT64 (well-known
    /// and local-use prefixes), IPv4-compatible (deprecated, still routed by some stacks) and IPv4-translated (SIIT).
    /// </summary>
    private static readonly IPNetwork[] EmbedsV4AtEnd =
    [
        IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("64:ff9b:1::/48"), IPNetwork.Parse("::/96"), IPNetwork.Parse("::ffff:0:0:0/96"),
    ];

    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private readonly HashSet<string> _allowedHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _allowedNetworks = [];
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    public WebhookAddressGuard(IOptions<WebhookOptions> options) : this(options.Value.AllowedHosts, Dns.GetHostAddressesAsync) { }

    public WebhookAddressGuard(IEnumerable<string> allowed, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        _resolve = resolve;
        foreach (var entry in allowed)
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                _allowedNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var single))
            {
                _allowedNetworks.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                _allowedHosts.Add(entry.Trim('[', ']'));
            }
        }
    }

    /// <summary>True when the address is internal in any form, including v4 inside v6 (mapped, NAT64, 6to4).</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (!address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback) && Array.Exists(EmbedsV4AtEnd, n => n.Contains(address)))
            {
                // The local-use NAT64 prefix is internal whatever it embeds; the others are judged by the IPv4 inside.
                return EmbedsV4AtEnd[1].Contains(address) || IsInternal(new IPAddress(bytes[12..16]));
            }

            if (SixToFour.Contains(address))
            {
                return IsInternal(new IPAddress(bytes[2..6]));
            }
        }

        return Array.Exists(Blocked, n => n.Contains(address)) || address.Equals(IPAddress.Broadcast);
    }

    public bool IsAllowed(string host, IPAddress address) =>
        _allowedHosts.Contains(host) || _allowedNetworks.Exists(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)) || !IsInternal(address);

    /// <summary>
    /// The check a submission gets before it is accepted: a callback whose host is an address literal that
    /// is refused is refused now (names are checked when resolved at delivery, as before).
    /// </summary>
    public string? RefuseLiteral(Uri callback)
    {
        var host = callback.Host.Trim('[', ']');
        return IPAddress.TryParse(host, out var literal) && !IsAllowed(host, literal)
            ? $"callbackUrl points at {literal}, an internal address; callbacks go to public addresses unless Webhooks:AllowedHosts names it."
            : null;
    }

    /// <summary>The addresses to connect to, all checked; throws when any resolved address is refused.</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await _resolve(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new WebhookBlockedException($"'{host}' does not resolve.");
        }

        // One refused address refuses the name: a resolver that mixes public and private answers is an attack.
        var refused = addresses.FirstOrDefault(a => !IsAllowed(host, a));
        if (refused is not null)
        {
            throw new WebhookBlockedException($"Callbacks to '{host}' are refused: it resolves to {refused}, an internal address. Allow it in Webhooks:AllowedHosts if intended.");
        }

        return addresses;
    }

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>: resolve, check, connect to a checked address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
