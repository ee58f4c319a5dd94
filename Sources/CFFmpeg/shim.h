#ifndef EBTVID_CFFMPEG_SHIM_H
#define EBTVID_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>

/* AVERROR and av_err2str are macros Swift cannot import; these wrappers expose them. */
static inline int ebt_averror(int e) { return AVERROR(e); }
static inline int ebt_averror_eof(void) { return AVERROR_EOF; }
static inline int ebt_averror_eagain(void) { return AVERROR(EAGAIN); }
#endif
