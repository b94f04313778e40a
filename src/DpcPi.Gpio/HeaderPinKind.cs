namespace DpcPi.Gpio;

/// <summary>What a physical pin of the 40-pin header carries.</summary>
public enum HeaderPinKind
{
    Gpio,
    Power3V3,
    Power5V,
    Ground,
}
