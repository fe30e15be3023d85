/*
 * An empty stand-in for libpulse.so.0 (PulseAudio client library).
 *
 * The ffmpeg/ffprobe executables in org.bytedeco:ffmpeg link libavdevice, which names
 * libpulse.so.0 (symbol version PULSE_0) as a dependency for its PulseAudio capture/playback
 * device. Ingest never opens that device, and with lazy binding no pulse symbol is ever resolved,
 * but the dynamic loader still refuses to start the program when the library file is missing
 * (Debian package libpulse0 not installed). FFmpegTools puts this stub on LD_LIBRARY_PATH only in
 * that case. Build (x86-64 Linux, any gcc):
 *
 *   printf 'PULSE_0 { global: *; };\n' > pulse.map
 *   gcc -shared -fPIC -O2 -o libpulse.so.0 -Wl,-soname,libpulse.so.0 -Wl,--version-script=pulse.map pulse-stub.c
 */
int hybridcdn_pulse_stub;
