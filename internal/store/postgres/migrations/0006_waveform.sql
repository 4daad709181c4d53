-- A voice note's waveform travels with its upload until the file is made.
ALTER TABLE uploads ADD COLUMN waveform bytea;
