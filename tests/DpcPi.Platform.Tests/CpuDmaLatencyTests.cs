namespace DpcPi.Platform.Tests;

public sealed class CpuDmaLatencyTests
{
    [Fact]
    public void Hold_WritableFile_WritesAZeroInt32AndSaysHeld()
    {
        // A regular file stands in for the device: what is written, and that the descriptor stays open, is the same.
        var path = Path.Combine(Path.GetTempPath(), "dpcpi-dma-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0xff]);
        try
        {
            using (var request = CpuDmaLatency.Hold(path))
            {
                Assert.True(request.Status.Held);
                Assert.StartsWith("held at 0 µs", request.Status.Detail, StringComparison.Ordinal);
                Assert.Equal(new byte[] { 0, 0, 0, 0 }, File.ReadAllBytes(path));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Hold_MissingDevice_IsNotHeldAndSaysWhyWithoutThrowing()
    {
        using var request = CpuDmaLatency.Hold("/nonexistent-dpcpi/cpu_dma_latency");

        Assert.False(request.Status.Held);
        Assert.StartsWith("not held: cannot open /nonexistent-dpcpi/cpu_dma_latency", request.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("ENOENT", request.Status.Detail, StringComparison.Ordinal);
    }
}
