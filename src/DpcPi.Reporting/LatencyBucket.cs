namespace DpcPi.Reporting;

/// <summary>A LatencyMon-style execution-time bucket: [FromUs, ToUs) µs (ToUs null = and above).</summary>
public readonly record struct LatencyBucket(long FromUs, long? ToUs, long Count)
{
    public string Label => ToUs is null ? $">= {FromUs}" : FromUs == 0 ? $"< {ToUs}" : $"{FromUs} - {ToUs}";
}
