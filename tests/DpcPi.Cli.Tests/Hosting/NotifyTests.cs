using System.Net.Sockets;
using System.Text;
using DpcPi.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DpcPi.Cli.Tests.Hosting;

public sealed class NotifyTests
{
    [Fact]
    public async Task RunHost_WithNotifySocket_SendsReadyStatusWatchdogStopping()
    {
        var path = Path.Combine(HostTestSupport.TempDir(), "notify");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        var messages = new List<string>();
        using var notifier = new SystemdNotifier(path, watchdogUsec: 200_000);
        using var host = HostTestSupport.Build(["--Source:Kind=fake", "--Kernel:Realtime=false", "--Serilog:MinimumLevel:Default=Warning", "--Serilog:WriteTo:0:Name=Console"], notifier);

        await host.StartAsync(TestContext.Current.CancellationToken);
        await ReceiveUntilAsync(listener, messages, m => m.Any(x => x.StartsWith("STATUS=interrupts=", StringComparison.Ordinal)) && m.Contains("WATCHDOG=1"));
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await host.WaitForShutdownAsync(TestContext.Current.CancellationToken);
        await ReceiveUntilAsync(listener, messages, m => m.Contains("STOPPING=1"));

        Assert.StartsWith("READY=1", messages[0], StringComparison.Ordinal);
        Assert.Contains(messages, m => m.StartsWith("STATUS=interrupts=", StringComparison.Ordinal) && m.Contains(" p99=", StringComparison.Ordinal) && m.Contains(" max=", StringComparison.Ordinal));
        Assert.Contains("WATCHDOG=1", messages);
        Assert.Equal("STOPPING=1", messages[^1]);
    }

    [Fact]
    public async Task Send_AbstractSocketName_Arrives()
    {
        var name = "dpcpi-test-" + Guid.NewGuid().ToString("N");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = SystemdNotifier.FromEnvironment(k => k == "NOTIFY_SOCKET" ? "@" + name : null);

        Assert.True(notifier.Send("READY=1"));

        var messages = new List<string>();
        await ReceiveUntilAsync(listener, messages, m => m.Count > 0);
        Assert.Equal(["READY=1"], messages);
    }

    [Fact]
    public void FromEnvironment_NoSocket_IsNoOp()
    {
        using var notifier = SystemdNotifier.FromEnvironment(_ => null);

        Assert.False(notifier.Enabled);
        Assert.Null(notifier.WatchdogInterval);
        Assert.False(notifier.Send("READY=1"));
    }

    [Fact]
    public void FromEnvironment_WatchdogForOtherPid_NoWatchdog()
    {
        using var notifier = SystemdNotifier.FromEnvironment(k => k switch { "NOTIFY_SOCKET" => "/run/x", "WATCHDOG_USEC" => "10000000", "WATCHDOG_PID" => "1", _ => null });

        Assert.Null(notifier.WatchdogInterval);
    }

    [Fact]
    public void FromEnvironment_WatchdogUsec_PingsAtHalf()
    {
        using var notifier = SystemdNotifier.FromEnvironment(k => k switch { "NOTIFY_SOCKET" => "/run/x", "WATCHDOG_USEC" => "10000000", _ => null });

        Assert.Equal(TimeSpan.FromSeconds(5), notifier.WatchdogInterval);
    }

    private static async Task ReceiveUntilAsync(Socket socket, List<string> messages, Func<List<string>, bool> done)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        while (!done(messages))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
    }
}
