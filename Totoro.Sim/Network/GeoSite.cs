namespace Totoro.Sim.Network;

/// <summary>A population centre: nodes of its region cluster within <paramref name="SpreadKm"/> of it, in proportion to <paramref name="Weight"/>.</summary>
public readonly record struct GeoSite(double Latitude, double Longitude, double Weight, double SpreadKm);
