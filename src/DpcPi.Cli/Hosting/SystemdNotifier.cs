using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace DpcPi.Cli.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to $NOTIFY_SOCKET (READY=1, STATUS=…, WATCHDOG=1,
/// STOPPING=1). A path starting with '@' is in the abstract namespace. Without a socket every call is a no-op.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;

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

    /// <summary>Sends one notification; failures (no listener, socket gone) are ignored, as sd_notify does.</summary>
    public bool Send(string state)
    {
        if (_socket is null)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(state);
        lock (_lock)
        {
            try
            {
                _socket.SendTo(bytes, SocketFlags.None, _endPoint!);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
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
