using System.Runtime.InteropServices;
using DpcPi.Kernel;

namespace DpcPi.Interrupts;

/// <summary>
/// An interrupt source built outside DpcPi's own devices (e.g. over a System.Device.Gpio controller) that the ISR
/// thread waits for through one descriptor: register <see cref="Handle"/> with the epoll controller under the
/// vector its interrupt is connected to.
/// </summary>
public interface IPollableInterruptSource : IInterruptSource, IDisposable
{
    /// <summary>Readable while the source has events for its ISR.</summary>
    SafeHandle Handle { get; }

    /// <summary>Events the source dropped itself (and counted) before the ISR thread took them.</summary>
    long Lost { get; }

    /// <summary>What its figures cannot show, in one sentence for reports (e.g. no kernel timestamps); null when nothing.</summary>
    string? Caveat { get; }
}
