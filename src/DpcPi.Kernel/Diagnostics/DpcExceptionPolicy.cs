namespace DpcPi.Kernel;

/// <summary>What the kernel does when a DPC routine throws.</summary>
public enum DpcExceptionPolicy
{
    /// <summary>Catch it, count it on the DPC and the core, keep the worker running (default).</summary>
    Isolate,

    /// <summary>Stop the kernel and report a fault (the host exits with a distinct code).</summary>
    FailFast,
}
