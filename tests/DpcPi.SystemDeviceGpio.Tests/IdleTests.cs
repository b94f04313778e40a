using System.Device.Gpio;
using System.Globalization;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>Tests that measure time or whole-process thread activity: run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>
/// An idle driver costs nothing: with 8 pins watched and no edge, none of its kernel's threads (ISR, DPC
/// workers, threaded-DPC workers) is scheduled at all. Measured from the threads' context-switch counters
/// in /proc, alone (no other test's kernel running).
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class IdleTests
{
    private static readonly int[] Pins = [4, 5, 6, 12, 13, 16, 20, 21];

    [Fact]
    public void Idle_EightPinsWatchedNoEdges_NoKernelThreadWakesUp()
    {
        var before = KernelThreads().Keys.ToHashSet();
        using var rig = new FakeRig();
        var ours = KernelThreads().Keys.Where(t => !before.Contains(t)).ToArray();
        Assert.True(ours.Length >= 3, $"Expected the driver's isr, dpc and dpc-thr threads; found {ours.Length}.");
        var log = new CallbackLog();
        foreach (var pin in Pins)
        {
            rig.Controller.OpenPin(pin, PinMode.Input);
            rig.Controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, log.Handler);
        }

        // Start-up ends with each worker spinning at most 50 µs; measure from a quiet point.
        var baseline = Switches(ours);
        for (var tries = 0; tries < 50; tries++)
        {
            Thread.Sleep(100);
            var now = Switches(ours);
            if (now == baseline)
            {
                break;
            }

            baseline = now;
        }

        Thread.Sleep(1_500); // the idle window itself: what a timer or a polling loop would show in
        var idle = Switches(ours) - baseline;

        // The probe can see wake-ups: one edge per pin must wake the ISR thread and a worker.
        foreach (var pin in Pins)
        {
            rig.Set(pin, PinValue.High);
        }

        log.WaitFor(Pins.Length);
        var busy = Switches(ours) - baseline - idle;

        Assert.Equal(0, idle);
        Assert.True(busy > 0, "The edges caused no context switch: the probe does not see the kernel's threads.");
    }

    /// <summary>The threads of this process named as DpcPi kernel threads (isr, dpc/N, dpc-thr/N), by tid.</summary>
    private static Dictionary<int, string> KernelThreads()
    {
        var threads = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                if (name == "isr" || name.StartsWith("dpc/", StringComparison.Ordinal) || name.StartsWith("dpc-thr/", StringComparison.Ordinal))
                {
                    threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = name;
                }
            }
            catch (IOException)
            {
                // the thread exited meanwhile
            }
        }

        return threads;
    }

    /// <summary>Voluntary plus involuntary context switches of the given threads.</summary>
    private static long Switches(IEnumerable<int> tids)
    {
        long total = 0;
        foreach (var tid in tids)
        {
            foreach (var line in File.ReadLines($"/proc/self/task/{tid}/status"))
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    total += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }
}
