using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting.Systemd;

namespace DpcPi.Cli.Hosting;

/// <summary>
/// sd_notify(3) datagrams to $NOTIFY_SOCKET. READY=1 and STOPPING=1 come from Microsoft.Extensions.Hosting.Systemd's
/// <see cref="SystemdLifetime"/> through <see cref="Notify"/>; this class is its notifier because the library has no
/// STATUS= nor WATCHDOG=1, which the service sends with <see cref="Send"/>. Those go out only between READY and
/// STOPPING, so systemd (and a test's socket) sees READY first and STOPPING last, whichever thread sends. A path starting with '@' is in the
/// abstract namespace. Without a socket every call is a no-op.
/// </summary>
internal sealed class SystemdNotifier : ISystemdNotifier, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private bool _ready;
    private bool _stopping;

    public SystemdNotifier(string? socketPath, long? watchdogUsec = null)
    {
        if (!string.IsNullOrEmpty(socketPath))
        {
            var path = socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
            _endPoint = new UnixDomainSocketEndPoint(path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        }

        if (watchdogUsec is > 0)
        {
            WatchdogInterval = TimeSpan.FromMicroseconds(watchdogUsec.Value / 2.0);
        }
    }

    public bool Enabled => _socket is not null;

    bool ISystemdNotifier.IsEnabled => Enabled;

    /// <summary>Half of WATCHDOG_USEC: how often WATCHDOG=1 is due; null when systemd does not watch.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog only when meant for this process).</summary>
    public static SystemdNotifier FromEnvironment(Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var socket = getEnvironment("NOTIFY_SOCKET");
        long? usec = long.TryParse(getEnvironment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : null;
        var pid = getEnvironment("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            usec = null;
        }

        return new SystemdNotifier(socket, usec);
    }

    /// <summary>The lifetime's READY=1 and STOPPING=1 (<see cref="SystemdLifetime"/> calls this on the host's started and stopping events).</summary>
    public void Notify(ServiceState state) => Send(state.ToString());

    /// <summary>
    /// Sends one notification. READY= and STOPPING= always go, and open and close the window for the others
    /// (STATUS=…, WATCHDOG=1), which are dropped (false) outside it. Failures (no listener, socket gone) are
    /// ignored, as sd_notify does.
    /// </summary>
    public bool Send(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock)
        {
            if (state.StartsWith("READY=", StringComparison.Ordinal))
            {
                _ready = true;
            }
            else if (state.StartsWith("STOPPING=", StringComparison.Ordinal))
            {
                _stopping = true;
            }
            else if (!_ready || _stopping)
            {
                return false;
            }

            return SendLocked(state);
        }
    }

    private bool SendLocked(string state)
    {
        if (_socket is null)
        {
            return false;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint!);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
        }
    }
}
