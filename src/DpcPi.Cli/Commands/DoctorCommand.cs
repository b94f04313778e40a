using DpcPi.Cli.CommandLine;
using DpcPi.Reporting;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi doctor`: what this machine lacks for low latency, and what to change.</summary>
internal sealed class DoctorCommand : ICommand
{
    public string Name => "doctor";

    public string Summary => "check this machine for what low latency needs, and say what to change";

    public string Usage => "usage: dpcpi doctor [--json FILE]\n\nChecks PREEMPT_RT, isolated cores, cpufreq governor, SCHED_FIFO and mlock permission, /dev/gpiochip* access and the board; exits 1 if a blocker was found.";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var json = r.String(null, "json");
        r.EnsureEmpty();
        OutputFile.Check(json, "--json");
        var findings = Doctor.Examine(Doctor.RealMachine());
        foreach (var f in findings)
        {
            output.WriteLine($"[{f.Level,-4}] {f.Check}: {f.Finding}{(f.Advice is null ? string.Empty : " → " + f.Advice)}");
        }

        if (json is not null)
        {
            OutputFile.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(findings));
        }

        return Task.FromResult(findings.Any(f => f.Level == "FAIL") ? ExitCodes.Failed : ExitCodes.Ok);
    }
}
