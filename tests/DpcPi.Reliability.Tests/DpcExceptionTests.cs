using System.Text.Json;
using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;
using DpcPi.Kernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DpcPi.Reliability.Tests;

public sealed class DpcExceptionTests
{
    [Fact]
    public void DpcException_IsolatePolicyRoutineThrowsEveryRun_CountedReportedOncePerRoutineWorkerKeepsRunning()
    {
        using var kernel = new DpcKernel(new KernelOptions { Realtime = false });
        var cpu = kernel.Processors[0];
        kernel.Start();
        var thrower = kernel.InitializeDpc((_, _, _, _) => throw new InvalidOperationException("sensor unplugged"), name: "thrower");
        var other = kernel.InitializeDpc((_, _, _, _) => throw new TimeoutException("bus stuck"), name: "other-thrower");
        var healthyRuns = 0L;
        var healthy = kernel.InitializeDpc((_, _, _, _) => Interlocked.Increment(ref healthyRuns), name: "healthy");
        foreach (var d in new[] { thrower, other, healthy })
        {
            d.SetTargetProcessor(cpu);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.True(kernel.InsertQueueDpc(thrower));
            kernel.FlushQueuedDpcs();
            Assert.True(kernel.InsertQueueDpc(healthy));
            kernel.FlushQueuedDpcs();
        }

        Assert.True(kernel.InsertQueueDpc(other));
        kernel.FlushQueuedDpcs();

        var events = kernel.DrainEvents();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("dpc-exception", e.Kind));
        Assert.Equal("thrower", events[0].Routine);
        Assert.Equal(cpu, events[0].Cpu);
        Assert.Equal("DPC routine thrower threw InvalidOperationException: sensor unplugged (further exceptions of this routine are counted, not reported)", events[0].Message);
        Assert.Equal("other-thrower", events[1].Routine);
        Assert.Equal("DPC routine other-thrower threw TimeoutException: bus stuck (further exceptions of this routine are counted, not reported)", events[1].Message);
        var stats = thrower.GetStatistics();
        Assert.Equal(10, stats.Exceptions);
        Assert.Equal(10, stats.RunCount);
        Assert.IsType<InvalidOperationException>(stats.FirstException);
        Assert.Equal(10, Interlocked.Read(ref healthyRuns)); // the worker of that core kept running DPCs
        Assert.Equal(11, kernel.GetProcessorStatistics(cpu).Exceptions);
        Assert.False(kernel.Faulted.IsCompleted);
        Assert.Empty(kernel.DrainEvents()); // reported once: later throws are only counted
    }

    [Fact]
    public async Task RunCommand_FailFastPolicyAndDpcThrows_StopsWithExitCode5AndWritesReport()
    {
        var json = Path.Combine(Dpcpi.TempDir(), "report.json");
        // Exactly what RunCommand does (build the host from the settings, run it, return the service's exit
        // code); the throwing DPC is inserted into the running service's kernel.
        using var host = Dpcpi.BuildRunHost("--Source:Kind=timer", "--Source:IntervalUs=1000", "--Kernel:ExceptionPolicy=fail-fast", "--Kernel:Realtime=false", $"--Report:Json={json}", "--Serilog:MinimumLevel:Default=Fatal", "--Serilog:WriteTo:0:Name=Console");
        var service = host.Services.GetRequiredService<LatencyService>();
        var run = host.RunAsync(TestContext.Current.CancellationToken);
        Assert.True(await Eventually.HoldsAsync(() => service.Session is { Completed: > 10 }, TimeSpan.FromSeconds(30)), "the service never measured");
        var kernel = service.Session!.Kernel;
        var faulty = kernel.InitializeDpc((_, _, _, _) => throw new IOException("register read failed"), name: "faulty-driver");
        Assert.True(kernel.InsertQueueDpc(faulty));

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.DpcException, service.ExitCode);
        Assert.Equal(5, service.ExitCode);
        Assert.Equal("KMODE_EXCEPTION_NOT_HANDLED", service.Fault!.Code);
        Assert.Equal("faulty-driver", service.Fault.Routine);
        Assert.StartsWith("DPC routine faulty-driver on CPU ", service.Fault.Message, StringComparison.Ordinal);
        Assert.EndsWith(" threw IOException: register read failed", service.Fault.Message, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var svc = doc.RootElement.GetProperty("service");
        Assert.Equal(5, svc.GetProperty("exit_code").GetInt32());
        Assert.Equal("KMODE_EXCEPTION_NOT_HANDLED", svc.GetProperty("fault").GetString());
    }

    [Fact]
    public async Task RunCommand_IsolatePolicyAndDpcThrows_KeepsMeasuringAndExitsZero()
    {
        using var host = Dpcpi.BuildRunHost("--Source:Kind=timer", "--Source:IntervalUs=1000", "--Kernel:ExceptionPolicy=isolate", "--Kernel:Realtime=false", "--Serilog:MinimumLevel:Default=Fatal", "--Serilog:WriteTo:0:Name=Console");
        var service = host.Services.GetRequiredService<LatencyService>();
        var run = host.RunAsync(TestContext.Current.CancellationToken);
        Assert.True(await Eventually.HoldsAsync(() => service.Session is { Completed: > 10 }, TimeSpan.FromSeconds(30)), "the service never measured");
        var kernel = service.Session!.Kernel;
        var faulty = kernel.InitializeDpc((_, _, _, _) => throw new IOException("register read failed"), name: "faulty-driver");
        Assert.True(kernel.InsertQueueDpc(faulty));
        var after = service.Session.Completed;
        Assert.True(await Eventually.HoldsAsync(() => faulty.GetStatistics().Exceptions == 1 && service.Session.Completed > after + 50, TimeSpan.FromSeconds(30)), "measuring stopped after the exception");

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Ok, service.ExitCode);
        Assert.Null(service.Fault);
    }
}
