using DpcPi.Vm.Uapi;

namespace DpcPi.Vm.Tests;

/// <summary>Kernel refusals must become clear errors, never a crash.</summary>
[Trait("Category", "Kernel")]
public sealed class ErrorTests(ITestOutputHelper output)
{
    [Fact]
    public void LineHeldByAnotherConsumerIsEbusyNamingTheHolder()
    {
        VmEnvironment.Require();
        const int line = 3;
        using var holder = VmLineRequest.RequestBothEdges(VmEnvironment.Chip!, line, "dpcpi-vm-holder", 16);
        Assert.Equal("dpcpi-vm-holder", VmLineRequest.GetConsumer(VmEnvironment.Chip!, line));

        var ex = Assert.Throws<VmGpioException>(() => VmLineRequest.RequestBothEdges(VmEnvironment.Chip!, line, "dpcpi-vm-second", 16));
        output.WriteLine(ex.Message);
        Assert.Equal(16, ex.Errno);
        Assert.Contains("EBUSY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"dpcpi-vm-holder\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains(VmEnvironment.Chip!, ex.Message, StringComparison.Ordinal);

        holder.Dispose();
        using var again = VmLineRequest.RequestBothEdges(VmEnvironment.Chip!, line, "dpcpi-vm-second", 16);
        Assert.Equal("dpcpi-vm-second", VmLineRequest.GetConsumer(VmEnvironment.Chip!, line));
    }

    [Fact]
    public void ChipThatDisappearsWhileRequestIsOpenGivesClearErrors()
    {
        VmEnvironment.Require();
        var dir = Path.Combine(VmEnvironment.ConfigFs!, $"vanish{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(dir, "bank0"));
        try
        {
            VmEnvironment.WriteAttribute(Path.Combine(dir, "bank0", "num_lines"), "4");
            VmEnvironment.WriteAttribute(Path.Combine(dir, "live"), "1");
            var chipName = File.ReadAllText(Path.Combine(dir, "bank0", "chip_name")).Trim();
            var devName = File.ReadAllText(Path.Combine(dir, "dev_name")).Trim();
            var chip = "/dev/" + chipName;
            var pullFile = $"/sys/devices/platform/{devName}/{chipName}/sim_gpio0/pull";
            output.WriteLine($"temporary chip {chip} ({devName})");

            using var req = VmLineRequest.RequestBothEdges(chip, 0, "dpcpi-vm-vanish", 64);
            using (var pull = new SimPull(pullFile))
            {
                pull.Set(true);
            }

            var buf = new LineEvent[16];
            Assert.Equal(1, req.ReadEvents(buf, 2000));
            Assert.True(req.GetValue());

            // A reader blocked in poll/read while the chip goes away must be released, not hang.
            Exception? readerError = null;
            var reader = new Thread(() =>
            {
                try
                {
                    var deadline = Environment.TickCount64 + 15_000;
                    while (Environment.TickCount64 < deadline)
                    {
                        _ = req.ReadEvents(buf, 500);
                    }
                }
                catch (Exception e)
                {
                    readerError = e;
                }
            })
            { IsBackground = true };
            reader.Start();
            Thread.Sleep(200);

            var unplug = new Thread(() => VmEnvironment.WriteAttribute(Path.Combine(dir, "live"), "0")) { IsBackground = true };
            unplug.Start();
            Assert.True(unplug.Join(TimeSpan.FromSeconds(20)), "writing 0 to configfs 'live' did not return");
            Assert.False(File.Exists(chip), $"{chip} still exists after live=0");

            var getValue = Assert.Throws<VmGpioException>(() => req.GetValue());
            output.WriteLine("get value: " + getValue.Message);
            Assert.Equal(19, getValue.Errno);
            Assert.Contains("removed", getValue.Message, StringComparison.Ordinal);
            Assert.Contains(chip, getValue.Message, StringComparison.Ordinal);

            var read = Assert.Throws<VmGpioException>(() => req.ReadEvents(buf, 1000));
            output.WriteLine("read events: " + read.Message);
            Assert.Contains("removed", read.Message, StringComparison.Ordinal);

            Assert.True(reader.Join(TimeSpan.FromSeconds(20)), "blocked reader was not released after the chip vanished");
            output.WriteLine("blocked reader: " + readerError?.Message);
            Assert.IsType<VmGpioException>(readerError);

            var reopen = Assert.Throws<VmGpioException>(() => VmLineRequest.RequestBothEdges(chip, 0, "dpcpi-vm-vanish", 16));
            output.WriteLine("reopen: " + reopen.Message);
            Assert.Equal(2, reopen.Errno);
            Assert.Contains(chip, reopen.Message, StringComparison.Ordinal);
        }
        finally
        {
            VmEnvironment.RemoveSimChip(dir);
        }
    }
}
