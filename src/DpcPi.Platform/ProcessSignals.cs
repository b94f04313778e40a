using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>Signals to child processes: .NET's <c>Process.Kill</c> sends only SIGKILL, which gives a child no chance to report.</summary>
public static class ProcessSignals
{
    private const int SigTerm = 15;
    private const int Esrch = 3;

    /// <summary>Asks <paramref name="pid"/> to finish (SIGTERM). False when it has already gone; other errors throw.</summary>
    public static bool Terminate(int pid)
    {
        if (Libc.Kill(pid, SigTerm) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Esrch ? false : throw new PlatformException($"kill({pid}, SIGTERM)", errno);
    }
}
