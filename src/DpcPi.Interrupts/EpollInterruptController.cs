using System.Runtime.InteropServices;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Interrupts;

/// <summary>
/// The ISR thread's epoll set: every line request, timerfd and software interrupt is a descriptor
/// whose epoll cookie is its vector. <see cref="Wake"/> writes an eventfd that is in the same set.
/// </summary>
public sealed class EpollInterruptController : IInterruptController, IDisposable
{
    private const ulong WakeCookie = ulong.MaxValue;
    private readonly Epoll _epoll = new(64);
    private readonly EventFd _wake = new();
    private readonly ulong[] _cookies = new ulong[64];
    private readonly uint[] _events = new uint[64];

    public EpollInterruptController() => _epoll.Add(_wake.Handle, WakeCookie);

    /// <summary>Adds a descriptor that becomes readable when <paramref name="vector"/> has work.</summary>
    public void Register(SafeHandle descriptor, int vector) => _epoll.Add(descriptor, (ulong)vector);

    public void Unregister(SafeHandle descriptor) => _epoll.Remove(descriptor);

    public int WaitForInterrupts(Span<int> pendingVectors, int timeoutMs)
    {
        var n = _epoll.Wait(_cookies, _events, timeoutMs);
        var count = 0;
        for (var i = 0; i < n && count < pendingVectors.Length; i++)
        {
            if (_cookies[i] == WakeCookie)
            {
                _wake.Drain();
                continue;
            }

            pendingVectors[count++] = (int)_cookies[i];
        }

        return count;
    }

    public void Wake() => _wake.Signal();

    public void Dispose()
    {
        _epoll.Dispose();
        _wake.Dispose();
    }
}
