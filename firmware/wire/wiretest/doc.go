// Package wiretest records and replays the bytes that cross a serial link,
// so host-side code can be tested against a transcript of a real (or
// emulated) board session without the board.
//
// A Transcript is the sequence of chunks that went each way, in the order
// they happened. Recorder captures one by wrapping the host's end of the
// link. Playback plays the board's side of a transcript back: it checks
// that the host writes exactly the recorded host→board bytes (as a byte
// stream, whatever the chunking) and releases each recorded board→host
// chunk to Read once every host byte recorded before it has been written.
// Transcripts are written by running code (Recorder), never typed by hand.
package wiretest
