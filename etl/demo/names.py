"""Static name material for the demo bank: provinces, cities, streets and people.

Everything here is plain data (no I/O, no randomness). Provinces are listed roughly by
economic weight so that a small bank (the first few) is made of big, busy provinces.
Codes are the ISO 3166-2:CN letters, which is also what banks tend to use internally.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # full Chinese name of the province-level branch
    name_en: str
    weight: float  # relative size of the bank's network there
    cities: tuple[tuple[str, str], ...]  # (Chinese, English): second-level branches


def _cities(spec: str) -> tuple[tuple[str, str], ...]:
    """'广州:Guangzhou,深圳:Shenzhen' -> (('广州', 'Guangzhou'), ('深圳', 'Shenzhen'))."""
    return tuple(tuple(pair.split(":")) for pair in spec.split(","))  # type: ignore[misc]


_P = Province
PROVINCES: tuple[Province, ...] = (
    _P("GD", "广东省分行", "Guangdong Branch", 11.0, _cities(
        "广州:Guangzhou,深圳:Shenzhen,佛山:Foshan,东莞:Dongguan,珠海:Zhuhai,中山:Zhongshan,惠州:Huizhou,"
        "江门:Jiangmen,汕头:Shantou,湛江:Zhanjiang,肇庆:Zhaoqing,茂名:Maoming,揭阳:Jieyang,清远:Qingyuan")),
    _P("JS", "江苏省分行", "Jiangsu Branch", 9.0, _cities(
        "南京:Nanjing,苏州:Suzhou,无锡:Wuxi,常州:Changzhou,南通:Nantong,扬州:Yangzhou,徐州:Xuzhou,"
        "镇江:Zhenjiang,泰州:Taizhou,盐城:Yancheng,淮安:Huai'an,连云港:Lianyungang,宿迁:Suqian")),
    _P("ZJ", "浙江省分行", "Zhejiang Branch", 7.5, _cities(
        "杭州:Hangzhou,宁波:Ningbo,温州:Wenzhou,嘉兴:Jiaxing,湖州:Huzhou,绍兴:Shaoxing,金华:Jinhua,"
        "衢州:Quzhou,舟山:Zhoushan,台州:Taizhou,丽水:Lishui")),
    _P("SD", "山东省分行", "Shandong Branch", 7.5, _cities(
        "济南:Jinan,青岛:Qingdao,烟台:Yantai,潍坊:Weifang,淄博:Zibo,临沂:Linyi,济宁:Jining,威海:Weihai,"
        "泰安:Tai'an,德州:Dezhou,聊城:Liaocheng,日照:Rizhao,菏泽:Heze,枣庄:Zaozhuang")),
    _P("SC", "四川省分行", "Sichuan Branch", 5.5, _cities(
        "成都:Chengdu,绵阳:Mianyang,德阳:Deyang,宜宾:Yibin,泸州:Luzhou,南充:Nanchong,乐山:Leshan,"
        "达州:Dazhou,自贡:Zigong,内江:Neijiang,遂宁:Suining,眉山:Meishan,广安:Guang'an,攀枝花:Panzhihua")),
    _P("HB", "湖北省分行", "Hubei Branch", 5.0, _cities(
        "武汉:Wuhan,宜昌:Yichang,襄阳:Xiangyang,荆州:Jingzhou,黄石:Huangshi,十堰:Shiyan,孝感:Xiaogan,"
        "荆门:Jingmen,黄冈:Huanggang,咸宁:Xianning,随州:Suizhou,鄂州:Ezhou")),
    _P("HA", "河南省分行", "Henan Branch", 5.5, _cities(
        "郑州:Zhengzhou,洛阳:Luoyang,开封:Kaifeng,新乡:Xinxiang,南阳:Nanyang,许昌:Xuchang,安阳:Anyang,"
        "焦作:Jiaozuo,商丘:Shangqiu,信阳:Xinyang,平顶山:Pingdingshan,周口:Zhoukou,驻马店:Zhumadian,濮阳:Puyang")),
    _P("BJ", "北京市分行", "Beijing Branch", 5.5, _cities(
        "东城:Dongcheng,西城:Xicheng,朝阳:Chaoyang,海淀:Haidian,丰台:Fengtai,石景山:Shijingshan,"
        "通州:Tongzhou,顺义:Shunyi,大兴:Daxing,昌平:Changping,房山:Fangshan")),
    _P("SH", "上海市分行", "Shanghai Branch", 5.5, _cities(
        "黄浦:Huangpu,徐汇:Xuhui,长宁:Changning,静安:Jing'an,普陀:Putuo,虹口:Hongkou,杨浦:Yangpu,"
        "浦东:Pudong,闵行:Minhang,宝山:Baoshan,嘉定:Jiading,松江:Songjiang")),
    _P("HN", "湖南省分行", "Hunan Branch", 4.5, _cities(
        "长沙:Changsha,株洲:Zhuzhou,湘潭:Xiangtan,衡阳:Hengyang,岳阳:Yueyang,常德:Changde,郴州:Chenzhou,"
        "益阳:Yiyang,邵阳:Shaoyang,永州:Yongzhou,怀化:Huaihua,娄底:Loudi")),
    _P("FJ", "福建省分行", "Fujian Branch", 4.5, _cities(
        "福州:Fuzhou,厦门:Xiamen,泉州:Quanzhou,漳州:Zhangzhou,莆田:Putian,三明:Sanming,龙岩:Longyan,"
        "南平:Nanping,宁德:Ningde")),
    _P("HE", "河北省分行", "Hebei Branch", 4.0, _cities(
        "石家庄:Shijiazhuang,唐山:Tangshan,保定:Baoding,廊坊:Langfang,邯郸:Handan,秦皇岛:Qinhuangdao,"
        "沧州:Cangzhou,邢台:Xingtai,张家口:Zhangjiakou,承德:Chengde,衡水:Hengshui")),
    _P("AH", "安徽省分行", "Anhui Branch", 4.0, _cities(
        "合肥:Hefei,芜湖:Wuhu,蚌埠:Bengbu,安庆:Anqing,马鞍山:Ma'anshan,阜阳:Fuyang,滁州:Chuzhou,"
        "六安:Lu'an,宿州:Suzhou,淮南:Huainan,铜陵:Tongling,黄山:Huangshan")),
    _P("SN", "陕西省分行", "Shaanxi Branch", 3.0, _cities(
        "西安:Xi'an,宝鸡:Baoji,咸阳:Xianyang,渭南:Weinan,汉中:Hanzhong,榆林:Yulin,延安:Yan'an,"
        "安康:Ankang,商洛:Shangluo,铜川:Tongchuan")),
    _P("LN", "辽宁省分行", "Liaoning Branch", 3.0, _cities(
        "沈阳:Shenyang,大连:Dalian,鞍山:Anshan,抚顺:Fushun,本溪:Benxi,丹东:Dandong,锦州:Jinzhou,"
        "营口:Yingkou,阜新:Fuxin,辽阳:Liaoyang,盘锦:Panjin,铁岭:Tieling,葫芦岛:Huludao")),
    _P("CQ", "重庆市分行", "Chongqing Branch", 3.0, _cities(
        "渝中:Yuzhong,江北:Jiangbei,南岸:Nan'an,九龙坡:Jiulongpo,沙坪坝:Shapingba,渝北:Yubei,"
        "巴南:Banan,北碚:Beibei,万州:Wanzhou,涪陵:Fuling,永川:Yongchuan")),
    _P("JX", "江西省分行", "Jiangxi Branch", 2.8, _cities(
        "南昌:Nanchang,赣州:Ganzhou,九江:Jiujiang,上饶:Shangrao,宜春:Yichun,吉安:Ji'an,抚州:Fuzhou,"
        "景德镇:Jingdezhen,萍乡:Pingxiang,新余:Xinyu,鹰潭:Yingtan")),
    _P("GX", "广西壮族自治区分行", "Guangxi Branch", 2.6, _cities(
        "南宁:Nanning,柳州:Liuzhou,桂林:Guilin,梧州:Wuzhou,北海:Beihai,玉林:Yulin,百色:Baise,"
        "钦州:Qinzhou,贵港:Guigang,河池:Hechi,防城港:Fangchenggang")),
    _P("YN", "云南省分行", "Yunnan Branch", 2.6, _cities(
        "昆明:Kunming,曲靖:Qujing,玉溪:Yuxi,大理:Dali,红河:Honghe,昭通:Zhaotong,丽江:Lijiang,"
        "保山:Baoshan,普洱:Pu'er,楚雄:Chuxiong")),
    _P("TJ", "天津市分行", "Tianjin Branch", 2.4, _cities(
        "和平:Heping,河西:Hexi,南开:Nankai,河东:Hedong,河北:Hebei,滨海:Binhai,东丽:Dongli,"
        "西青:Xiqing,津南:Jinnan,北辰:Beichen,武清:Wuqing")),
    _P("SX", "山西省分行", "Shanxi Branch", 2.2, _cities(
        "太原:Taiyuan,大同:Datong,阳泉:Yangquan,长治:Changzhi,晋城:Jincheng,朔州:Shuozhou,晋中:Jinzhong,"
        "运城:Yuncheng,忻州:Xinzhou,临汾:Linfen,吕梁:Lvliang")),
    _P("GZ", "贵州省分行", "Guizhou Branch", 2.0, _cities(
        "贵阳:Guiyang,遵义:Zunyi,六盘水:Liupanshui,安顺:Anshun,毕节:Bijie,铜仁:Tongren,凯里:Kaili,都匀:Duyun")),
    _P("NM", "内蒙古自治区分行", "Inner Mongolia Branch", 1.8, _cities(
        "呼和浩特:Hohhot,包头:Baotou,鄂尔多斯:Ordos,赤峰:Chifeng,通辽:Tongliao,呼伦贝尔:Hulunbuir,"
        "乌兰察布:Ulanqab,巴彦淖尔:Bayannur,乌海:Wuhai")),
    _P("HL", "黑龙江省分行", "Heilongjiang Branch", 1.8, _cities(
        "哈尔滨:Harbin,齐齐哈尔:Qiqihar,牡丹江:Mudanjiang,佳木斯:Jiamusi,大庆:Daqing,鸡西:Jixi,"
        "双鸭山:Shuangyashan,伊春:Yichun,七台河:Qitaihe,鹤岗:Hegang,黑河:Heihe,绥化:Suihua")),
    _P("JL", "吉林省分行", "Jilin Branch", 1.6, _cities(
        "长春:Changchun,吉林:Jilin,四平:Siping,辽源:Liaoyuan,通化:Tonghua,白山:Baishan,松原:Songyuan,"
        "白城:Baicheng,延吉:Yanji")),
    _P("XJ", "新疆维吾尔自治区分行", "Xinjiang Branch", 1.5, _cities(
        "乌鲁木齐:Urumqi,克拉玛依:Karamay,昌吉:Changji,伊宁:Yining,库尔勒:Korla,喀什:Kashgar,"
        "阿克苏:Aksu,哈密:Hami,石河子:Shihezi")),
    _P("GS", "甘肃省分行", "Gansu Branch", 1.3, _cities(
        "兰州:Lanzhou,天水:Tianshui,白银:Baiyin,酒泉:Jiuquan,张掖:Zhangye,武威:Wuwei,庆阳:Qingyang,"
        "平凉:Pingliang,定西:Dingxi,嘉峪关:Jiayuguan")),
    _P("HI", "海南省分行", "Hainan Branch", 0.9, _cities(
        "海口:Haikou,三亚:Sanya,儋州:Danzhou,琼海:Qionghai,文昌:Wenchang,万宁:Wanning")),
    _P("NX", "宁夏回族自治区分行", "Ningxia Branch", 0.7, _cities(
        "银川:Yinchuan,石嘴山:Shizuishan,吴忠:Wuzhong,固原:Guyuan,中卫:Zhongwei")),
    _P("QH", "青海省分行", "Qinghai Branch", 0.6, _cities(
        "西宁:Xining,海东:Haidong,格尔木:Golmud,德令哈:Delingha,玉树:Yushu")),
    _P("XZ", "西藏自治区分行", "Tibet Branch", 0.5, _cities(
        "拉萨:Lhasa,日喀则:Shigatse,林芝:Nyingchi,昌都:Qamdo,山南:Shannan,那曲:Nagqu")),
)

# Municipalities: their second-level branches are districts, so the city name is prefixed.
MUNICIPALITIES = {"BJ": ("北京", "Beijing"), "SH": ("上海", "Shanghai"),
                  "TJ": ("天津", "Tianjin"), "CQ": ("重庆", "Chongqing")}

# Street stems and suffixes for outlet names: 40 x 8 = 320 distinct names per city.
STREET_STEMS = _cities(
    "中山:Zhongshan,人民:Renmin,解放:Jiefang,建设:Jianshe,和平:Heping,新华:Xinhua,胜利:Shengli,"
    "文化:Wenhua,长江:Changjiang,黄河:Huanghe,朝阳:Chaoyang,东风:Dongfeng,青年:Qingnian,"
    "光明:Guangming,幸福:Xingfu,工业:Gongye,科技:Keji,学府:Xuefu,滨江:Binjiang,湖滨:Hubin,"
    "迎宾:Yingbin,振兴:Zhenxing,繁荣:Fanrong,花园:Huayuan,世纪:Shiji,金融:Jinrong,商贸:Shangmao,"
    "高新:Gaoxin,开发:Kaifa,大学:Daxue,站前:Zhanqian,体育:Tiyu,市府:Shifu,东湖:Donghu,西湖:Xihu,"
    "南湖:Nanhu,北湖:Beihu,新城:Xincheng,港湾:Gangwan,临空:Linkong")
STREET_SUFFIXES = _cities(
    "路:Road,大道:Avenue,东路:East Road,西路:West Road,南路:South Road,北路:North Road,街:Street,"
    "广场:Plaza")

# Common surnames first (the draw is weighted towards the head of the list).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌宇浩凯鹏辉玲婷雪梅琳晨欣怡子涵"
    "博远佳琪鸣轩嘉然梓萱俊晓东丹宁海燕鑫帆颖慧晶倩瑶思雨阳磊峰毅诚康泽睿琦瑞雯璐蕾薇")

ROLE_TITLES = {
    "customer_manager": "客户经理", "wealth_manager": "理财经理", "teller": "柜员",
    "outlet_head": "网点负责人", "back_office": "综合管理",
}
