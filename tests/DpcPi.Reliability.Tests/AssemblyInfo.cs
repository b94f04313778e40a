namespace DpcPi.Reliability.Tests;
