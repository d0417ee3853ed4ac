# direct.cmake — tests of the conv2d direct / spatial-pack template (kernels/templates/direct.c).
# Included by tests/kernels/CMakeLists.txt, which provides qt_add_kernel_test and
# qt_kernel_instance. Its knob space (schedules/direct.c) is tested by test_conv_space
# (gemm.cmake).
#
# test_direct: the template instantiated with runtime shapes for configs that together cover
# every value of every knob (ocb 4/8/16/32, th 1/2, tw 1/2/4/8, order hwc/hcw, ku 1/2/4, pad
# inline/prepad/strips, rq tile/row/pass), each swept over the conv2d edge shapes and a few
# MobileNetV2-sized layers, both dtypes and both requant schemes, bit-exact against the
# reference. Host and cross (qemu) alike. Keep this list and test_direct.c's table in step.
qt_add_kernel_test(test_direct test_direct.c)
# prefix                                      OCB TH TW ORDER KU PAD RQ
foreach(cfg
    "qt_direct_1x4c16_hwc_ku1_strips_tile__c_ 16  1  4  0     1  2   0"
    "qt_direct_2x1c4_hcw_ku2_inline_row__c_   4   2  1  1     2  0   1"
    "qt_direct_1x8c8_hwc_ku4_prepad_pass__c_  8   1  8  0     4  1   2"
    "qt_direct_2x2c32_hcw_ku1_strips_row__c_  32  2  2  1     1  2   1"
    "qt_direct_2x8c16_hwc_ku2_prepad_tile__c_ 16  2  8  0     2  1   0"
    "qt_direct_1x2c8_hcw_ku4_inline_pass__c_  8   1  2  1     4  0   2"
    "qt_direct_1x1c32_hwc_ku2_prepad_row__c_  32  1  1  0     2  1   1"
    "qt_direct_2x4c4_hwc_ku4_strips_pass__c_  4   2  4  0     4  2   2"
    "qt_direct_1x2c16_hcw_ku1_prepad_tile__c_ 16  1  2  1     1  1   0"
    "qt_direct_2x4c8_hcw_ku1_inline_tile__c_  8   2  4  1     1  0   0")
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 ocb)
  list(GET cfg 2 th)
  list(GET cfg 3 tw)
  list(GET cfg 4 order)
  list(GET cfg 5 ku)
  list(GET cfg 6 pad)
  list(GET cfg 7 rq)
  qt_kernel_instance(test_direct templates/direct.c ${prefix} QT_KNOB_OCB=${ocb}
                     QT_KNOB_TH=${th} QT_KNOB_TW=${tw} QT_KNOB_ORDER=${order} QT_KNOB_KU=${ku}
                     QT_KNOB_PAD=${pad} QT_KNOB_RQ=${rq})
endforeach()
